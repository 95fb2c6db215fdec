"""What an operator relies on: gunicorn.conf.py, and the app behind a reverse proxy."""
import os
import runpy

import pytest
from gunicorn.config import Config

from blog import create_app
from blog.models import AuditLog
from conftest import PASSWORD, ROOT, make_config

GUNICORN_CONF = os.path.join(ROOT, "gunicorn.conf.py")
SERVER_ENV = ("MONGODB_URI", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_BIND",
              "FORWARDED_ALLOW_IPS", "GUNICORN_LOG_LEVEL")


def load_gunicorn_conf(monkeypatch, **environ):
    """gunicorn.conf.py read as gunicorn reads it, each setting checked by gunicorn."""
    for name in SERVER_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    config = Config()
    for name, value in runpy.run_path(GUNICORN_CONF).items():
        if name in config.settings:
            config.set(name, value)
    return config


def test_gunicorn_conf_on_the_embedded_store(monkeypatch):
    config = load_gunicorn_conf(monkeypatch)
    assert config.address == [("127.0.0.1", 8000)], "only the proxy on this host reaches it"
    assert config.workers == 1, "the embedded store belongs to one process"
    assert config.worker_class_str == "gthread" and config.threads >= 4
    assert not config.preload_app, "the app is created after the fork"
    assert 10 <= config.timeout <= 120
    assert 5 <= config.graceful_timeout < config.timeout
    assert 1 <= config.keepalive <= 75


def test_gunicorn_conf_on_a_mongodb_server(monkeypatch):
    config = load_gunicorn_conf(monkeypatch, MONGODB_URI="mongodb://db.internal:27017/blog")
    assert config.workers == 2 * (os.cpu_count() or 1)


def test_gunicorn_conf_takes_its_numbers_from_the_environment(monkeypatch):
    config = load_gunicorn_conf(monkeypatch, MONGODB_URI="mongodb://db/blog",
                                WEB_CONCURRENCY="3", GUNICORN_THREADS="16",
                                GUNICORN_BIND="127.0.0.1:9001")
    assert (config.workers, config.threads, config.address) == (3, 16, [("127.0.0.1", 9001)])


@pytest.fixture
def app_config():
    return {"PROXY_FIX_HOPS": 1}


FORWARDED = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "blog.example.org"}


def test_behind_one_proxy_the_audit_records_the_clients_address(app, client, make_user):
    user = make_user(email="ann@example.com")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD},
                headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    with app.app_context():
        assert AuditLog.objects(action="login").get().ip == "203.0.113.9", \
            "the address the proxy saw, not one the client wrote"


def test_behind_one_proxy_links_use_the_public_scheme_and_host(client):
    direct = client.get("/feed.atom").get_data(as_text=True)
    assert "<id>http://localhost/feed.atom</id>" in direct
    feed = client.get("/feed.atom", headers=FORWARDED).get_data(as_text=True)
    assert "<id>https://blog.example.org/feed.atom</id>" in feed, "not another host's cached page"


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_HOPS": 1, "RATELIMIT_ENABLED": True,
                                         "LOGIN_LIMIT_PER_IP": "3 per minute"}])
def test_behind_one_proxy_login_limits_count_each_client(client):
    def attempt(address):
        return client.post("/auth/login", data={"email": "x@example.com", "password": "wrong"},
                           headers={"X-Forwarded-For": address}).status_code
    assert [attempt("203.0.113.41") for _ in range(4)] == [401, 401, 401, 429]
    assert attempt("203.0.113.42") == 401, "another client behind the same proxy is not blocked"


@pytest.mark.parametrize("app_config", [{"PROXY_FIX_HOPS": 0}])
def test_without_a_proxy_forwarded_headers_are_ignored(app, client, make_user):
    user = make_user(email="ann@example.com")
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD},
                headers=FORWARDED)
    with app.app_context():
        assert AuditLog.objects(action="login").get().ip == "127.0.0.1"
    feed = client.get("/feed.atom", headers=FORWARDED).get_data(as_text=True)
    assert "<id>http://localhost/feed.atom</id>" in feed


@pytest.mark.parametrize("hops", [-1, "one", True])
def test_a_bad_proxy_hop_count_stops_the_start(hops):
    with pytest.raises(RuntimeError, match="PROXY_FIX_HOPS"):
        create_app(make_config(PROXY_FIX_HOPS=hops))


@pytest.mark.parametrize("uri, recoveries_by", [
    ("mongodb://db.internal:27017/blog", "master"),   # before any worker serves
    (None, "worker"),                                  # the one worker that holds the store
])
def test_transfers_are_recovered_at_start_by_one_process(monkeypatch, uri, recoveries_by):
    import blog
    from blog.services import indexes, points
    environ = {"MONGODB_URI": uri} if uri else {}
    load_gunicorn_conf(monkeypatch, **environ)
    hooks = runpy.run_path(GUNICORN_CONF)
    recovered = []
    monkeypatch.setattr(points, "recover_at_start", lambda app: recovered.append(app))
    monkeypatch.setattr(indexes, "check_at_start", lambda app: None)
    monkeypatch.setattr(blog, "create_app", lambda: "master's app")
    monkeypatch.setattr(blog, "disconnect_db", lambda app: None)
    hooks["when_ready"](None)
    for number in range(4 if uri else 1):
        hooks["post_worker_init"](type("Worker", (), {"wsgi": f"worker {number}"}))
    assert recovered == (["master's app"] if recoveries_by == "master" else ["worker 0"])
