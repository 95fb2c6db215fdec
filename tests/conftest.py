"""flaskr-style fixtures: each test gets a fresh in-memory database."""
import uuid

import pytest

from blog import create_app
from blog.db import disconnect_db
from blog.models import Post, User
from redis_server import RedisServer

PASSWORD = "correct horse battery"


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
def admin(make_user):
    return make_user(email="admin@example.com", name="Ada Admin", role="admin")


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
