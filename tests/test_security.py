"""Headers, CSRF, error pages and production settings."""
import re
import urllib.error
import urllib.request

import pytest

from blog import create_app, disconnect_db
from blog.config import ConfigurationError
from conftest import make_config
from helpers import csrf_token
from servers import REQUEST_TIMEOUT, Client, GunicornServer, server_environment


def test_security_headers_on_every_response(client):
    for url in ("/", "/auth/login", "/missing", "/feed.atom", "/healthz", "/api/posts"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers
        features = dict(item.strip().split("=") for item in
                        headers["Permissions-Policy"].split(","))
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert features[feature] == "()", feature


def test_templates_have_no_inline_script(app):
    import pathlib
    for template in pathlib.Path(app.template_folder).rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+=", text), template


@pytest.fixture
def production_app():
    app = create_app(make_config(TESTING=False, SESSION_COOKIE_SECURE=None,
                                 REMEMBER_COOKIE_SECURE=None))
    yield app
    disconnect_db(app)


def test_production_cookies_and_hsts(production_app):
    client = production_app.test_client()
    response = client.get("/auth/login")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.config["REMEMBER_COOKIE_SECURE"] is True
    assert production_app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production_app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert production_app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_a_secret_key_is_required_in_production(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app(make_config(TESTING=False, SECRET_KEY=None))


def test_settings_come_from_prefixed_environment_variables(monkeypatch):
    monkeypatch.setenv("FLASK_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("FLASK_POSTS_PER_PAGE", "3")
    app = create_app(make_config(TESTING=False))
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is False
        assert app.config["POSTS_PER_PAGE"] == 3
    finally:
        disconnect_db(app)


def test_a_crash_shows_no_traceback(production_app):
    production_app.config["PROPAGATE_EXCEPTIONS"] = False

    @production_app.route("/boom")
    def boom():
        raise RuntimeError("secret database password leaked")

    response = production_app.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"secret database password" not in response.data
    assert b"Traceback" not in response.data
    assert b"Inkwell" in response.data


LONG_HOST = "a" * 300


@pytest.mark.parametrize("path", ["/", "/posts/missing", "/static/css/site.css"])
def test_an_invalid_host_is_a_400_page_not_a_crash(production_app, path):
    production_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = production_app.test_client().get(path, headers={"Host": LONG_HOST})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Host header does not name this blog" in page and "Traceback" not in page
    assert 'href="/static/css/site.css"' in page


def test_an_invalid_host_gets_json_from_the_api(production_app):
    response = production_app.test_client().get("/api/posts", headers={"Host": "x..y"})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"


def test_trusted_hosts_come_from_the_environment_and_refuse_other_hosts(monkeypatch):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", '["blog.example.org", ".example.net"]')
    app = create_app(make_config(TESTING=False))
    try:
        client = app.test_client()
        for host in ("blog.example.org", "blog.example.org:8000", "www.example.net"):
            assert client.get("/", headers={"Host": host}).status_code == 200, host
        for host in ("evil.com", "localhost", "blog.example.org.evil.com"):
            response = client.get("/auth/login", headers={"Host": host})
            assert response.status_code == 400, host
            assert b"Host header does not name this blog" in response.data
    finally:
        disconnect_db(app)


@pytest.mark.parametrize("hosts", ["blog.example.org", '{"a": 1}', '[""]', "[1]"])
def test_trusted_hosts_that_are_not_a_list_of_names_stop_the_start(monkeypatch, hosts):
    monkeypatch.setenv("FLASK_TRUSTED_HOSTS", hosts)
    with pytest.raises(ConfigurationError, match="TRUSTED_HOSTS must be a JSON list"):
        create_app(make_config(TESTING=False))


def test_under_gunicorn_an_invalid_host_is_a_400_and_logs_no_traceback(tmp_path):
    server = GunicornServer(server_environment(tmp_path / "embedded-db.json"),
                            tmp_path / "gunicorn.log").start()
    try:
        request = urllib.request.Request(f"{server.url}/", headers={"Host": LONG_HOST})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT)
        assert refused.value.code == 400
        assert b"Host header does not name this blog" in refused.value.read()
        assert Client(server.url).get("/healthz").status == 200
    finally:
        server.stop()
    assert "Traceback" not in server.log_tail(lines=200)


@pytest.mark.parametrize("url, method, status, text", [
    ("/nowhere", "get", 404, b"Page not found"),
    ("/auth/logout", "get", 405, b"Method not allowed"),
    ("/posts/x/publish", "get", 405, b"Method not allowed"),
    ("/auth/login?next=x", "put", 405, b"Method not allowed"),
])
def test_error_pages_use_the_site_layout(client, url, method, status, text):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert text in response.data and b'class="site-header"' in response.data


def test_api_errors_are_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.json == {"success": False, "error": {
        "code": "not_found", "message": response.json["error"]["message"]}}


class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_every_post_route_refuses_a_missing_token(self, app, client, make_user, make_post):
        author = make_user(email="author@example.com")
        post = make_post(author, title="Target")
        values = {"slug": post.slug, "user_id": str(author.pk), "id": str(author.pk),
                  "tag": "x", "number": 1}
        post_rules = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
        assert len(post_rules) >= 6
        for rule in post_rules:
            url = rule.build({arg: values.get(arg, "x") for arg in rule.arguments})[1]
            response = client.post(url, data={"title": "x", "email": "a@b.co",
                                              "password": "p" * 10, "points": "1"})
            assert response.status_code == 400, url
            assert b"CSRF" in response.data, url

    def test_a_form_with_its_token_goes_through(self, client):
        page = client.get("/auth/register").get_data(as_text=True)
        token = csrf_token(page)
        response = client.post("/auth/register", data={
            "csrf_token": token, "email": "a@example.com", "name": "A",
            "password": "long enough", "password_confirm": "long enough"})
        assert response.status_code == 302
