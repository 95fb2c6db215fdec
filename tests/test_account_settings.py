"""Changing one's password and email address from the settings pages."""
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from itsdangerous import TimestampSigner

from blog.models import AuditLog, User
from blog.services import mail
from conftest import PASSWORD
from helpers import free_port

NEW_PASSWORD = "a brand new secret"
SETTINGS_PAGES = ["/settings/profile", "/settings/password", "/settings/email",
                  "/settings/export", "/settings/delete"]


@pytest.fixture
def app_config(mail_server):
    return {"MAIL_URL": mail_server.url}


@pytest.fixture
def logged_in(ann, client_for):
    return client_for(ann)


def change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/settings/password", data={
        "current_password": current, "password": new, "password_confirm": confirm or new})


def delete_account(client, password):
    return client.post("/settings/delete", data={"password": password, "confirm": "delete"})


def change_email(client, email, current=PASSWORD):
    return client.post("/settings/email", data={"email": email, "current_password": current})


@pytest.mark.parametrize("page", SETTINGS_PAGES[:3] + SETTINGS_PAGES[4:])
def test_each_settings_page_links_every_other(logged_in, page):
    html = logged_in.get(page).get_data(as_text=True)
    for other in SETTINGS_PAGES:
        assert f'href="{other}"' in html, f"{page} links {other}"


@pytest.mark.parametrize("page", SETTINGS_PAGES)
def test_settings_pages_want_a_login(client, page):
    response = client.get(page)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


class TestPasswordChange:
    def test_this_session_stays_and_the_others_end(self, app, ann, logged_in, client_for):
        elsewhere = client_for(ann)
        response = change_password(logged_in)
        assert response.status_code == 302
        assert logged_in.get("/settings/password").status_code == 200, "still logged in here"
        assert elsewhere.get("/settings/password").status_code == 302, "logged out there"
        fresh = app.test_client()
        assert fresh.post("/auth/login", data={"email": ann.email, "password": PASSWORD}
                          ).status_code == 401
        assert fresh.post("/auth/login", data={"email": ann.email, "password": NEW_PASSWORD}
                          ).status_code == 302
        with app.app_context():
            entry = AuditLog.objects(action="update", collection="user").first()
            assert entry.changes["password"] == "changed" and entry.actor == ann.email

    def test_a_remembered_browser_stays_remembered(self, app, ann):
        client = app.test_client()
        client.post("/auth/login", data={"email": ann.email, "password": PASSWORD,
                                         "remember": "y"})
        old_cookie = client.get_cookie("remember_token").value
        assert change_password(client).status_code == 302
        new_cookie = client.get_cookie("remember_token").value
        assert new_cookie != old_cookie
        for cookie, status in ((new_cookie, 200), (old_cookie, 302)):
            returning = app.test_client()
            returning.set_cookie("remember_token", cookie)
            assert returning.get("/settings/password").status_code == status

    def test_the_current_password_is_required(self, app, ann, logged_in):
        response = change_password(logged_in, current="not my password")
        assert response.status_code == 400
        assert "That is not your password." in response.get_data(as_text=True)
        with app.app_context():
            assert User.by_email(ann.email).check_password(PASSWORD)

    @pytest.mark.parametrize("new, confirm, message", [
        ("short", None, "at least 8 characters"),
        (NEW_PASSWORD, "something else", "differ"),
        ("€" * 25, None, "at most 72 bytes"),
        ("12345678", None, "10,000 most common passwords"),
    ])
    def test_the_new_password_follows_the_rules(self, app, ann, logged_in, new, confirm,
                                                message):
        response = change_password(logged_in, new=new, confirm=confirm)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        with app.app_context():
            assert User.by_email(ann.email).check_password(PASSWORD)


class TestWrongPasswordsAreLimited:
    @pytest.fixture
    def app_config(self, mail_server):
        return {"MAIL_URL": mail_server.url, "RATELIMIT_ENABLED": True}

    def test_five_wrong_passwords_then_a_pause_for_that_account(self, ann, logged_in,
                                                                 make_user, client_for):
        statuses = [change_password(logged_in, current=f"guess number {n}").status_code
                    for n in range(5)]
        assert statuses == [400] * 5
        assert change_password(logged_in).status_code == 429
        assert change_email(logged_in, "new@example.com").status_code == 429
        other = client_for(make_user(email="bob@example.com"))
        assert change_password(other).status_code == 302, "other accounts are not held up"

    def test_simultaneous_guesses_check_no_more_than_five_passwords(self, app, ann, logged_in,
                                                                     monkeypatch):
        checked = []
        real_check = User.check_password
        monkeypatch.setattr(User, "check_password",
                            lambda user, password: checked.append(password) or
                            real_check(user, password))
        start = threading.Barrier(12)

        def guess(number):
            start.wait()
            return delete_account(logged_in, f"guess number {number}")

        with ThreadPoolExecutor(12) as pool:
            responses = list(pool.map(guess, range(12)))
        statuses = sorted(response.status_code for response in responses)
        assert statuses == [400] * 5 + [429] * 7
        assert len(checked) == 5
        refused = next(response for response in responses if response.status_code == 429)
        assert "Too many wrong passwords for this account" in refused.get_data(as_text=True)
        assert int(refused.headers["Retry-After"]) > 0
        with app.app_context():
            assert User.objects(pk=ann.pk).count() == 1

    def test_a_right_password_starts_the_count_again(self, ann, logged_in):
        for number in range(4):
            change_password(logged_in, current=f"guess number {number}")
        assert change_password(logged_in).status_code == 302
        statuses = [change_password(logged_in, current=f"guess {n}", new="yet another one")
                    .status_code for n in range(5)]
        assert statuses == [400] * 5


class TestEmailChange:
    def test_the_address_changes_when_the_link_is_followed(self, app, ann, logged_in,
                                                           mail_server):
        response = change_email(logged_in, " Ann.New@Example.com ")
        assert response.status_code == 302
        assert "ann.new@example.com" in logged_in.get("/settings/email").get_data(as_text=True)
        with app.app_context():
            assert User.objects.get(pk=ann.pk).email == "ann@example.com", "not yet"

        delivered = mail_server.wait_for("ann.new@example.com")[0]
        link = delivered.link("/auth/confirm-email/")
        assert link.startswith("http://localhost/") and link in delivered.html
        response = logged_in.get(urlsplit(link).path)
        assert response.status_code == 302
        with app.app_context():
            assert User.objects.get(pk=ann.pk).email == "ann.new@example.com"
            entry = AuditLog.objects(action="update", collection="user").first()
            assert entry.changes["email"] == ["ann@example.com", "ann.new@example.com"]
        notice = mail_server.wait_for("ann@example.com")[0]
        assert "ann.new@example.com" in notice.text and "changed" in notice.text
        assert logged_in.get("/settings/email").status_code == 200, "still logged in"
        fresh = app.test_client()
        assert fresh.post("/auth/login", data={"email": "ann.new@example.com",
                                               "password": PASSWORD}).status_code == 302

    def test_the_link_works_once(self, app, ann, logged_in, mail_server):
        change_email(logged_in, "first@example.com")
        link = urlsplit(mail_server.wait_for("first@example.com")[0]
                        .link("/auth/confirm-email/")).path
        assert logged_in.get(link).status_code == 302
        again = logged_in.get(link)
        assert again.status_code == 400 and "used already" in again.get_data(as_text=True)

    def test_the_link_works_without_a_login_and_expires_after_a_day(
            self, app, ann, logged_in, mail_server, monkeypatch):
        change_email(logged_in, "new@example.com")
        link = urlsplit(mail_server.wait_for("new@example.com")[0]
                        .link("/auth/confirm-email/")).path
        real = TimestampSigner.get_timestamp
        monkeypatch.setattr(TimestampSigner, "get_timestamp",
                            lambda signer: real(signer) + 24 * 3600 + 1)
        stranger = app.test_client()
        response = stranger.get(link)
        assert response.status_code == 400 and "expired" in response.get_data(as_text=True)
        monkeypatch.undo()
        response = stranger.get(link)
        assert response.status_code == 302 and response.headers["Location"] == "/auth/login"
        with app.app_context():
            assert User.objects.get(pk=ann.pk).email == "new@example.com"

    def test_an_address_in_use_is_refused_at_both_steps(self, app, ann, logged_in, auth,
                                                        make_user, mail_server):
        make_user(email="taken@example.com")
        response = change_email(logged_in, "TAKEN@example.com")
        assert response.status_code == 409
        assert "Another account uses that address." in response.get_data(as_text=True)

        change_email(logged_in, "late@example.com")
        link = urlsplit(mail_server.wait_for("late@example.com")[0]
                        .link("/auth/confirm-email/")).path
        make_user(email="late@example.com")
        response = logged_in.get(link)
        assert response.status_code == 409
        assert "Another account took that address" in response.get_data(as_text=True)
        with app.app_context():
            assert User.objects.get(pk=ann.pk).email == "ann@example.com"

    @pytest.mark.parametrize("email, password, message", [
        ("new@example.com", "not my password", "That is not your password."),
        ("not an address", PASSWORD, "valid email address"),
        ("ann@example.com", PASSWORD, "That is your address already."),
        ("", PASSWORD, "This field is required."),
    ])
    def test_bad_requests_send_nothing(self, app, ann, logged_in, mail_server, email, password,
                                       message):
        response = change_email(logged_in, email, password)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        mail.shutdown(app)
        assert mail_server.delivered == []


class TestEmailChangeWithTheMailServerDown:
    @pytest.fixture
    def app_config(self):
        return {"MAIL_URL": f"smtp://127.0.0.1:{free_port()}"}

    def test_the_person_is_told_to_try_again(self, ann, logged_in, caplog):
        with caplog.at_level(logging.WARNING, logger="blog.mail"):
            response = change_email(logged_in, "new@example.com")
        assert response.status_code == 503
        assert "could not reach our mail server" in response.get_data(as_text=True)
        assert "could not reach the mail server" in caplog.text


class TestEmailChangeWithoutMail:
    @pytest.fixture
    def app_config(self):
        return {"MAIL_URL": None}

    def test_the_page_says_mail_is_not_set_up(self, logged_in):
        for response in (logged_in.get("/settings/email"),
                         change_email(logged_in, "new@example.com")):
            assert response.status_code == 200
            page = response.get_data(as_text=True)
            assert "not set up" in page and 'name="current_password"' not in page
