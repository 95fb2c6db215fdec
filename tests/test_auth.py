"""Registration, login, logout and sessions, as a visitor meets them."""
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import bcrypt
import pytest

from blog import create_app, disconnect_db
from blog.models import AuditLog, User
from conftest import PASSWORD, make_config


def test_register_logs_in_and_normalises_the_email(client, auth, app):
    response = auth.register(email="  Ann@Example.COM ")
    assert response.status_code == 302
    home = client.get("/")
    assert b"Ann" in home.data and b"Log out" in home.data
    with app.app_context():
        user = User.objects.get()
        assert user.email == "ann@example.com"
        assert user.password_hash != PASSWORD and user.password_hash.startswith("$2b$")


def test_an_email_is_one_account_however_its_accents_are_encoded(client, auth, app):
    decomposed, composed = "zoe\u0308@example.com", "zo\u00eb@example.com"
    assert auth.register(email=decomposed, name="Zoë").status_code == 302
    auth.logout()
    again = auth.register(email=composed.upper(), name="Impostor")
    assert again.status_code == 400 and b"already registered" in again.data
    assert auth.login(email=composed).status_code == 302
    auth.logout()
    assert auth.login(email=decomposed).status_code == 302
    with app.app_context():
        assert [user.email for user in User.objects] == [composed]


def test_default_bcrypt_cost_is_at_least_12():
    config = make_config()
    del config["BCRYPT_ROUNDS"]  # the tests' fast hashing: the default is what is checked
    app = create_app(config)
    try:
        with app.app_context():
            user = User(email="cost@example.com", name="Cost")
            user.set_password(PASSWORD)
            assert int(user.password_hash.split("$")[2]) >= 12
    finally:
        disconnect_db(app)


@pytest.mark.parametrize("email", ["ann@example.com", "ANN@example.com", " Ann@Example.com"])
def test_an_email_registers_once_in_any_case(client, auth, app, email):
    auth.register()
    auth.logout()
    response = auth.register(email=email, name="Impostor")
    assert response.status_code == 400
    assert b"already registered" in response.data
    with app.app_context():
        assert User.objects.count() == 1


def test_simultaneous_registrations_create_one_account(app):
    results = []

    def register():
        client = app.test_client()
        results.append(client.post("/auth/register", data={
            "email": "race@example.com", "name": "Racer", "password": PASSWORD,
            "password_confirm": PASSWORD}).status_code)

    threads = [threading.Thread(target=register) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results).count(302) == 1
    with app.app_context():
        assert User.objects(email="race@example.com").count() == 1


@pytest.mark.parametrize("password, message", [
    ("short", b"at least 8 characters"),
    ("\u20ac" * 25, b"at most 72 bytes"),
    ("x" * 73, b"at most 72 bytes"),
    ("password", b"one of the 10,000 most common passwords"),
    ("12345678", b"one of the 10,000 most common passwords"),
    ("Sunshine", b"one of the 10,000 most common passwords"),
    ("aaaaaaaa", b"one character repeated"),
    ("lmnopqrs", b"runs straight along the alphabet"),
    ("\x00" * 8, b"cannot hold control characters"),
    ("tab\tbetween", b"cannot hold control characters"),
])
def test_password_rules_are_form_errors(auth, app, password, message):
    response = auth.register(password=password)
    assert response.status_code == 400
    assert message in response.data
    with app.app_context():
        assert User.objects.count() == 0


@pytest.mark.parametrize("password", ["plum jam", "tea at dawn", "ŝtelo ĉe la domo"])
def test_any_uncommon_password_of_eight_characters_works(auth, password):
    assert auth.register(password=password).status_code == 302
    auth.logout()
    assert auth.login(password=password).status_code == 302


def test_a_password_cut_short_by_a_nul_never_logs_in(app, auth, make_user):
    user = make_user(email="nul@example.com")
    with app.app_context():
        # As an account made before NUL was refused would have it.
        user.password_hash = bcrypt.hashpw(b"\x00" * 8, bcrypt.gensalt(4)).decode()
        user.save()
    for password in ("\x00", "\x00" * 8):
        assert auth.login(email="nul@example.com", password=password).status_code == 401


def test_a_72_byte_password_works(client, auth):
    password = "\u20ac" * 20 + "pounds, yen "  # 72 bytes
    assert len(password.encode()) == 72
    assert auth.register(password=password).status_code == 302
    auth.logout()
    assert auth.login(password=password).status_code == 302


@pytest.mark.parametrize("field, value, message", [
    ("email", "not-an-email", b"valid email"),
    ("email", "", b"This field is required"),
    ("name", "   ", b"Give a name"),
    ("name", "n" * 81, b"Field cannot be longer than 80 characters."),
])
def test_bad_registration_fields_are_explained(client, field, value, message):
    data = {"email": "ann@example.com", "name": "Ann", "password": PASSWORD,
            "password_confirm": PASSWORD, field: value}
    response = client.post("/auth/register", data=data)
    assert response.status_code == 400
    assert message in response.data


def test_a_sign_up_with_several_mistakes_names_them_all_at_once(client):
    response = client.post("/auth/register", data={
        "email": "ann@example", "name": "  ", "password": "short",
        "password_confirm": "shorter"})
    assert response.status_code == 400
    errors = {field: re.findall(r"<li>(.*?)</li>", block) for field, block in re.findall(
        r'<ul class="field-errors" id="(\w+)-help">(.*?)</ul>', response.get_data(as_text=True),
        re.S)}
    assert errors == {
        "email": ["Give a valid email address, like name@example.com."],
        "name": ["Give a name to show on your posts."],
        "password": ["Use at least 8 characters."],
        "password_confirm": ["The two passwords differ."],
    }
    assert 'value="ann@example"' in response.get_data(as_text=True), "what was typed is kept"
    assert User.objects.count() == 0


def test_passwords_must_match(client):
    response = client.post("/auth/register", data={
        "email": "a@example.com", "name": "A", "password": PASSWORD,
        "password_confirm": PASSWORD + "x"})
    assert response.status_code == 400 and b"The two passwords differ." in response.data


def test_login_does_not_reveal_whether_an_email_exists(client, auth, monkeypatch):
    auth.register()
    auth.logout()
    checks = []
    real_checkpw = bcrypt.checkpw
    monkeypatch.setattr(bcrypt, "checkpw", lambda *a: checks.append(1) or real_checkpw(*a))
    wrong_password = auth.login(password="wrong password")
    checks_for_wrong_password = len(checks)
    unknown_email = auth.login(email="nobody@example.com")
    assert wrong_password.status_code == unknown_email.status_code == 401
    message = b"That email and password do not match an account."
    assert message in wrong_password.data and message in unknown_email.data
    assert checks_for_wrong_password == 1 and len(checks) == 2


def test_login_is_case_insensitive_on_the_email(client, auth):
    auth.register()
    auth.logout()
    assert auth.login(email="ANN@EXAMPLE.COM").status_code == 302


@pytest.mark.parametrize("target", [
    "https://evil.com", "//evil.com", "/\\evil.com", "javascript:alert(1)", "http:/evil.com",
    "\\\\evil.com", "/\t/evil.com",
])
def test_login_never_redirects_off_site(client, auth, target):
    auth.register()
    auth.logout()
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": "ann@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response.location == "/"


def test_login_follows_a_local_next(client, auth):
    auth.register()
    auth.logout()
    response = client.post("/auth/login", query_string={"next": "/settings/profile"},
                           data={"email": "ann@example.com", "password": PASSWORD})
    assert response.location == "/settings/profile"


def test_login_starts_a_fresh_session(client, auth):
    auth.register()
    auth.logout()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_needs_a_post(client, auth):
    auth.register()
    assert client.get("/auth/logout").status_code == 405
    assert b"Log out" in client.get("/").data


def test_an_old_session_cookie_is_useless_after_logout(app, client, auth):
    auth.register()
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/settings/profile")
    assert response.status_code == 302 and "/auth/login" in response.location


def test_a_remember_cookie_is_useless_after_logout(app, client, auth):
    auth.register()
    auth.logout()
    auth.login(remember="y")
    remember = client.get_cookie("remember_token").value
    other_device = app.test_client()
    other_device.set_cookie("remember_token", remember)
    assert other_device.get("/settings/profile").status_code == 200
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/settings/profile").status_code == 302


def test_logout_deletes_the_remember_cookie(client, auth):
    auth.register()
    auth.logout()
    auth.login(remember="y")
    assert client.get_cookie("remember_token") is not None
    response = auth.logout()
    deleted = [header for header in response.headers.getlist("Set-Cookie")
               if header.startswith("remember_token=;")]
    assert deleted and "Expires=Thu, 01 Jan 1970" in deleted[0]
    assert client.get_cookie("remember_token") is None


def test_changing_the_password_ends_other_sessions(app, client, auth):
    auth.register()
    other = app.test_client()
    AuthOther = type(auth)(other)
    AuthOther.login()
    assert other.get("/settings/profile").status_code == 200
    with app.app_context():
        user = User.objects.get()
        user.set_password("a brand new password")
        user.save()
    assert other.get("/settings/profile").status_code == 302


class TestRateLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_ten_attempts_a_minute_per_ip(self, client, auth):
        for number in range(10):
            auth.login(email=f"user{number}@example.com", password="whatever1")
        response = auth.login(email="fresh@example.com", password="whatever1")
        assert response.status_code == 429
        assert b"Too many requests" in response.data

    def test_five_failures_lock_that_address_out_of_that_account_only(self, app, auth):
        auth.register()
        auth.logout()
        attacker = from_address(app, "203.0.113.9")
        assert [attacker.post("/auth/login", data=WRONG).status_code
                for _ in range(6)] == [401] * 5 + [429]
        locked = attacker.post("/auth/login", data={"email": "ann@example.com",
                                                    "password": PASSWORD})
        assert locked.status_code == 429
        assert "Try again in 15 minutes" in locked.get_data(as_text=True)
        assert 880 <= int(locked.headers["Retry-After"]) <= 900
        owner = from_address(app, "198.51.100.20")
        assert owner.post("/auth/login", data={"email": "ann@example.com",
                                               "password": PASSWORD}).status_code == 302
        assert attacker.post("/auth/login", data={**WRONG, "email": "bob@example.com"}
                             ).status_code == 401, "other accounts from that address still answer"

    def test_guesses_from_many_addresses_never_lock_the_owner_out(self, app, auth):
        auth.register()
        auth.logout()
        for number in range(12):
            for password in ("", "wrong password"):
                from_address(app, f"10.0.0.{number}").post(
                    "/auth/login", data={"email": "ANN@example.com", "password": password})
        assert auth.login().status_code == 302

    def test_a_successful_login_starts_the_count_again(self, app, auth):
        auth.register()
        auth.logout()
        for _ in range(4):
            auth.login(password="wrong password")
        assert auth.login().status_code == 302
        auth.logout()
        assert [auth.login(password="wrong password").status_code
                for _ in range(5)] == [401] * 5


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True, "BCRYPT_ROUNDS": 12,
                                         "LOGIN_LIMIT_PER_IP": "100 per minute"}])
def test_simultaneous_guesses_check_no_more_passwords_than_the_limit(app, make_user,
                                                                     live_server):
    make_user(email="ann@example.com")
    start = threading.Barrier(16)
    statuses = []

    def guess():
        body = urllib.parse.urlencode(WRONG).encode()
        start.wait()
        try:
            with urllib.request.urlopen(f"{live_server}/auth/login", body, timeout=60) as reply:
                statuses.append(reply.status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
    guesses = [threading.Thread(target=guess) for _ in range(16)]
    for thread in guesses:
        thread.start()
    for thread in guesses:
        thread.join(90)
    assert sorted(statuses) == [401] * 5 + [429] * 11
    with app.app_context():
        assert AuditLog.objects(action="login_failed").count() == 5


def test_failures_are_counted_in_redis_when_there_is_one(own_redis_server):
    app = create_app(make_config(REDIS_URL=own_redis_server.url, RATELIMIT_ENABLED=True))
    try:
        with app.app_context():
            user = User(email="ann@example.com", name="Ann")
            user.set_password(PASSWORD)
            user.save()
        attacker = from_address(app, "203.0.113.9")
        assert [attacker.post("/auth/login", data=WRONG).status_code
                for _ in range(6)] == [401] * 5 + [429]
        assert any(b"login-failures" in key for key in own_redis_server.keys())
        owner = from_address(app, "198.51.100.20")
        assert owner.post("/auth/login", data={**WRONG, "password": PASSWORD}).status_code == 302
    finally:
        disconnect_db(app)


WRONG = {"email": "ann@example.com", "password": "wrong password"}


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client
