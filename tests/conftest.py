"""flaskr-style fixtures: each test gets a fresh in-memory database.

Also the app served on a local port (``live_server``), a headless Chromium
page (``page``) for the browser tests, with ``screenshot`` saving what each
step showed under ``test-output/screenshots/``, and a real SMTP server
(``mail_server``) for a module's ``app_config`` to name in ``MAIL_URL``.
"""
import os
import re
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from blog import create_app, disconnect_db
from blog.models import Post, User
from mail_server import MailServer
from redis_server import RedisServer

PASSWORD = "correct horse battery"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "test-output")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
BROWSER_TIMEOUT_MS = 10_000


def make_config(**overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "MONGODB_URI": f"mongomock://test-{uuid.uuid4().hex[:12]}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BCRYPT_ROUNDS": 4,
        "REDIS_URL": None,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config():
    """Override in a test module (or with ``pytest.mark.parametrize``) to change settings."""
    return {}


@pytest.fixture
def app(app_config):
    app = create_app(make_config(**app_config))
    yield app
    disconnect_db(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def register(self, email="ann@example.com", name="Ann", password=PASSWORD):
        return self._client.post("/auth/register", data={
            "email": email, "name": name, "password": password, "password_confirm": password})

    def login(self, email="ann@example.com", password=PASSWORD, **extra):
        return self._client.post("/auth/login", data={"email": email, "password": password,
                                                      **extra})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """Create a user directly; returns the saved User."""
    def make(email=None, name="Someone", role="user", password=PASSWORD, **fields):
        with app.app_context():
            user = User(email=email or f"{uuid.uuid4().hex[:8]}@example.com", name=name,
                        role=role, **fields)
            user.set_password(password)
            user.save()
            return user
    return make


@pytest.fixture
def make_post(app):
    """Create a post directly; returns the saved Post."""
    def make(author, title="A post", content="Some words.", tags=(), status="published",
             **fields):
        with app.app_context():
            post = Post(author=author, title=title, content=content, tags=list(tags),
                        status=status, **fields)
            post.save()
            return post
    return make


@pytest.fixture
def client_for(app):
    """A new test client, logged in as ``user`` through the login form."""
    def make(user):
        client = app.test_client()
        response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, "the login failed"
        return client
    return make


@pytest.fixture
def author(make_user):
    """A writer, for tests about one post and its author."""
    return make_user(email="author@example.com", name="Ann Author")


@pytest.fixture
def post(author, make_post):
    """A published post, "First", tagged ink."""
    return make_post(author, title="First", tags=["ink"])


@pytest.fixture
def ann(make_user):
    return make_user(email="ann@example.com", name="Ann")


@pytest.fixture
def bob(make_user):
    return make_user(email="bob@example.com", name="Bob")


@pytest.fixture
def admin(make_user):
    return make_user(email="admin@example.com", name="Ada Admin", role="admin")


@pytest.fixture
def live_server(app):
    """The app served by a real HTTP server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless. A machine without it fails the browser tests
    rather than skipping them: ``make test`` installs it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM} "
                    "(apt-get install chromium, or run `make test`, which installs it)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser tab with its own cookies, at a desktop width."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(request, page):
    """``screenshot("name")`` saves the page as it looks now, numbered in step order."""
    folder = os.path.join(OUTPUT, "screenshots", re.sub(r"[^\w.-]+", "_", request.node.name))
    os.makedirs(folder, exist_ok=True)
    for stale in os.listdir(folder):
        os.remove(os.path.join(folder, stale))
    steps = []

    def take(name):
        steps.append(name)
        path = os.path.join(folder, f"{len(steps):02d}-{name}.png")
        page.screenshot(path=path, full_page=True)
        return path
    return take


@pytest.fixture
def mail_server():
    """A real SMTP server in this process, keeping what it is sent."""
    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """One redis-server for the session; each test's database names its own keys."""
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def own_redis_server(tmp_path):
    """A redis-server for one test, which it may stop and start."""
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()
