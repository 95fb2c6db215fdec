"""Mail settings and the ways to reach a mail server: plain SMTP, STARTTLS, TLS, a login."""
import logging

import pytest
import trustme

from blog import create_app, disconnect_db
from conftest import make_config
from mail_server import MailServer, mail_threads_idle


@pytest.fixture(scope="module")
def certificate_authority():
    return trustme.CA()


@pytest.fixture
def trusted(certificate_authority, tmp_path, monkeypatch):
    """A certificate for 127.0.0.1 from an authority this process trusts (SSL_CERT_FILE)."""
    path = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    return certificate_authority.issue_cert("127.0.0.1")


@pytest.fixture
def server(request, trusted):
    scheme, login = request.param
    server = MailServer(scheme, tls=trusted if scheme != "smtp" else None, login=login)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_config(server):
    return {"MAIL_URL": server.url}


@pytest.mark.parametrize("server", [("smtp", ("blog", "p@ss:word")), ("smtp+starttls", None),
                                    ("smtp+starttls", ("blog", "secret")), ("smtps", None),
                                    ("smtps", ("blog", "secret"))],
                         indirect=True, ids=lambda param: f"{param[0]}{'+login' * bool(param[1])}")
def test_each_kind_of_server_gets_the_message(client, make_user, server):
    make_user(email="ann@example.com")
    assert client.post("/auth/reset", data={"email": "ann@example.com"}).status_code == 200
    assert server.wait_for("ann@example.com")[0].link("/auth/reset/")


@pytest.mark.parametrize("server", [("smtps", None)], indirect=True)
def test_a_certificate_nobody_vouches_for_is_refused(client, make_user, server, monkeypatch,
                                                     tmp_path, caplog):
    make_user(email="ann@example.com")
    stranger = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(stranger))
    monkeypatch.setenv("SSL_CERT_FILE", str(stranger))
    with caplog.at_level(logging.WARNING, logger="blog.mail"):
        response = client.post("/auth/reset", data={"email": "ann@example.com"})
    assert response.status_code == 503
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
    assert server.delivered == []


@pytest.mark.parametrize("server", [("smtp+starttls", ("blog", "secret"))], indirect=True)
def test_a_wrong_login_is_a_clear_failure_and_a_log_line(app, client, server, caplog):
    app.config["MAIL_URL"] = server.url.replace("secret", "wrong")
    with caplog.at_level(logging.WARNING, logger="blog.mail"):
        response = client.post("/auth/reset", data={"email": "ann@example.com"})
    assert response.status_code == 503
    assert "could not reach our mail server" in response.get_data(as_text=True)
    assert "refused the connection" in caplog.text and "wrong" not in caplog.text


@pytest.mark.parametrize("settings, complaint", [
    ({"MAIL_URL": "http://mail.example.com"}, "MAIL_URL must start with smtp://"),
    ({"MAIL_URL": "smtp://"}, "names no host"),
    ({"MAIL_URL": "smtp://mail.example.com:port"}, "port"),
    ({"MAIL_TIMEOUT": "soon"}, "MAIL_TIMEOUT must be a number above 0"),
    ({"RESET_TOKEN_MINUTES": 0}, "RESET_TOKEN_MINUTES must be a number above 0"),
    ({"MAIL_URL": "smtp://mail.example.com", "TESTING": False}, "FLASK_TRUSTED_HOSTS"),
])
def test_settings_that_cannot_work_stop_the_start(settings, complaint):
    with pytest.raises(RuntimeError, match=complaint):
        create_app(make_config(**settings))


def test_mail_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MAIL_URL", "smtps://blog:secret@mail.example.com")
    monkeypatch.setenv("MAIL_FROM", "Blog <blog@example.com>")
    monkeypatch.setenv("RESET_TOKEN_MINUTES", "15")
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["blog.example.com"]')
    config = make_config(TESTING=False)
    app = create_app(config)
    try:
        assert app.config["MAIL_URL"] == "smtps://blog:secret@mail.example.com"
        assert app.config["MAIL_FROM"] == "Blog <blog@example.com>"
        assert app.config["RESET_TOKEN_MINUTES"] == 15
        assert app.config["TRUSTED_HOSTS"] == ["blog.example.com"]
    finally:
        disconnect_db(app)


class TestLinksNameTheBlogsOwnHost:
    @pytest.fixture
    def app_config(self, mail_server):
        return {"MAIL_URL": mail_server.url, "TRUSTED_HOSTS": ["blog.example.com"]}

    def test_links_name_the_host_asked_for_and_no_other(self, client, make_user, mail_server,
                                                        app):
        make_user(email="ann@example.com")
        response = client.post("/auth/reset", data={"email": "ann@example.com"},
                               headers={"Host": "evil.example.net"})
        assert response.status_code == 400
        response = client.post("/auth/reset", data={"email": "ann@example.com"},
                               headers={"Host": "blog.example.com"})
        assert response.status_code == 200
        link = mail_server.wait_for("ann@example.com")[0].link("/auth/reset/")
        assert link.startswith("http://blog.example.com/auth/reset/")
        mail_threads_idle(app)
        assert len(mail_server.delivered) == 1, "nothing was sent for the other host"


class TestServerName:
    @pytest.fixture
    def app_config(self, mail_server):
        return {"MAIL_URL": mail_server.url, "SERVER_NAME": "blog.example.com",
                "PREFERRED_URL_SCHEME": "https"}

    def test_links_use_the_server_name(self, client, make_user, mail_server):
        make_user(email="ann@example.com")
        client.post("https://blog.example.com/auth/reset", data={"email": "ann@example.com"})
        link = mail_server.wait_for("ann@example.com")[0].link("/auth/reset/")
        assert link.startswith("https://blog.example.com/auth/reset/")
