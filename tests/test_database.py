"""The three database modes, the embedded store's file, and observability."""
import http.client
import json
import logging
import os
import sqlite3
import subprocess
import sys
import urllib.request
from contextlib import closing
from pathlib import Path

import bson
import pytest

from blog import create_app, disconnect_db
from blog.config import ConfigurationError
from blog.models import Post, User
from blog.store import connection
from conftest import PASSWORD, make_config
from helpers import finishes_within, free_port, operations, wait_until


@pytest.fixture
def store_path(tmp_path):
    return str(tmp_path / "store" / "embedded.db")


def embedded_app(path, **overrides):
    return create_app(make_config(MONGODB_URI=None, EMBEDDED_DB_PATH=path, **overrides))


def stored_documents(path, collection):
    """The documents of ``collection`` as the file holds them, read by a connection of its own."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute(f'SELECT document FROM "blog.{collection}"').fetchall()
    return [bson.decode(row[0]) for row in rows]


def register_and_post(app, email="keep@example.com"):
    client = app.test_client()
    client.post("/auth/register", data={"email": email, "name": "Keeper", "password": PASSWORD,
                                        "password_confirm": PASSWORD})
    client.post("/posts/new", data={"title": "Kept post", "content": "still here",
                                    "tags": "durable", "status": "published"})
    return client


def test_the_embedded_store_keeps_data_across_a_restart(store_path):
    app = embedded_app(store_path)
    register_and_post(app)
    disconnect_db(app)

    with open(store_path, "rb") as stored:
        assert stored.read(16) == b"SQLite format 3\x00"

    app = embedded_app(store_path)
    try:
        client = app.test_client()
        assert b"Kept post" in client.get("/posts/kept-post").data
        assert client.post("/auth/login", data={"email": "keep@example.com",
                                                "password": PASSWORD}).status_code == 302
        with app.app_context():
            post = Post.objects.get()
            assert post.author.email == "keep@example.com"
            assert post.published_at.tzinfo is not None
    finally:
        disconnect_db(app)


def test_unique_constraints_hold_after_a_reload(store_path):
    app = embedded_app(store_path)
    register_and_post(app)
    disconnect_db(app)
    app = embedded_app(store_path)
    try:
        response = app.test_client().post("/auth/register", data={
            "email": "KEEP@example.com", "name": "Twin", "password": PASSWORD,
            "password_confirm": PASSWORD})
        assert b"already registered" in response.data
        with app.app_context():
            assert User.objects.count() == 1
    finally:
        disconnect_db(app)


def test_a_write_is_in_the_file_when_it_returns(store_path):
    app = embedded_app(store_path)
    try:
        client = register_and_post(app)
        assert [post["title"] for post in stored_documents(store_path, "post")] == ["Kept post"]
        client.post("/posts/kept-post/edit", data={"title": "Kept and edited", "content": "new",
                                                   "tags": "durable", "status": "published"})
        assert [post["title"] for post in stored_documents(store_path, "post")] == [
            "Kept and edited"]
        client.post("/posts/kept-post/delete")
        assert stored_documents(store_path, "post") == []
    finally:
        disconnect_db(app)


OPEN_STORE = """
import sys
from blog import create_app
from blog.store import connection
try:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "EMBEDDED_DB_PATH": sys.argv[1]})
    with app.app_context():
        connection.ping()
except Exception as error:
    print(error)
    sys.exit(3)
"""


def test_a_second_process_is_refused_at_once(store_path, monkeypatch):
    monkeypatch.delenv("MONGODB_URI", raising=False)
    app = embedded_app(store_path)
    with app.app_context():
        connection.ping()  # the store opens on first use
    try:
        # The lock is not waited for: the second process stops as soon as it has started.
        result = subprocess.run([sys.executable, "-c", OPEN_STORE, store_path],
                                capture_output=True, text=True, timeout=30,
                                env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."})
        assert result.returncode == 3, result.stderr
        assert f"already open in process {os.getpid()}" in result.stdout
    finally:
        disconnect_db(app)
    result = subprocess.run([sys.executable, "-c", OPEN_STORE, store_path], capture_output=True,
                            text=True, timeout=30, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": "."})
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_unreachable_server_gives_503_quickly():
    app = create_app(make_config(MONGODB_URI="mongodb://127.0.0.1:9/blog",
                                 MONGODB_TIMEOUT_MS=300))
    try:
        client = app.test_client()
        # Within the 0.3 s server selection timeout, not the driver's default 30 s.
        response = finishes_within(3, lambda: client.get("/"))
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert b"cannot reach the database" in response.data
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json["database"] == "down" and health.json["status"] == "down"
        api = client.get("/api/posts")
        assert api.status_code == 503 and api.json["error"]["code"] == "unavailable"
    finally:
        disconnect_db(app)


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "cache": "in-process"}


def test_every_response_reports_its_database_time(client, make_user, make_post):
    make_post(make_user())
    timing = client.get("/").headers["Server-Timing"]
    counted, millis = (float(n) for n in
                       __import__("re").fullmatch(r'db;desc="(\d+) operations";dur=([\d.]+)',
                                                  timing).groups())
    assert counted >= 2 and millis >= 0


class TestSlowQueries:
    @pytest.fixture
    def app_config(self):
        return {"SLOW_QUERY_MS": 0}

    def test_slow_operations_are_logged_as_warnings(self, client, caplog):
        with caplog.at_level(logging.WARNING, logger="blog.db"):
            client.get("/")
        assert any("slow database operation" in record.message for record in caplog.records)


def test_the_mode_is_logged_at_start(store_path, caplog):
    with caplog.at_level(logging.INFO, logger="blog.db"):
        app = embedded_app(store_path)
        with app.app_context():
            connection.ping()  # the store opens on first use
    disconnect_db(app)
    assert any("embedded store in" in record.message and store_path in record.message
               for record in caplog.records)


class TestDebugLogging:
    @pytest.fixture
    def app_config(self, log_queries):
        return {"DEBUG": True, "LOG_QUERIES": log_queries}

    @pytest.mark.parametrize("log_queries", [False])
    def test_a_page_view_in_debug_logs_no_operation(self, app, client, caplog):
        with caplog.at_level(logging.DEBUG):
            response = client.get("/")
        assert response.status_code == 200 and operations(response) > 0
        assert [r.message for r in caplog.records if r.name.startswith("blog")] == []

    @pytest.mark.parametrize("log_queries", [True])
    def test_with_log_queries_every_operation_is_logged_with_its_duration(self, app, client,
                                                                          caplog):
        with caplog.at_level(logging.DEBUG, logger="blog.db"):
            response = client.get("/")
        logged = [r.message for r in caplog.records if r.message.endswith(" ms")]
        assert len(logged) == operations(response) > 0
        assert any(message.startswith("count_documents on post:") for message in logged)


def test_log_queries_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("FLASK_LOG_QUERIES", "true")
    app = create_app(make_config())
    try:
        assert app.config["LOG_QUERIES"] is True
    finally:
        disconnect_db(app)


def answer(url):
    """The JSON at ``url``, or None while nothing answers there (or the server went
    away in the middle of its answer, as the reloader replaces it)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.load(response)
    except (OSError, http.client.HTTPException, ValueError):
        return None


def lock_holder(store):
    """The pid written in the store's lock file: the process that has it open."""
    try:
        return Path(f"{store}.lock").read_text().strip() or None
    except FileNotFoundError:
        return None


def test_the_debug_reloader_keeps_the_store_in_its_child(tmp_path):
    store = tmp_path / "embedded.db"
    trigger = tmp_path / "trigger.txt"
    trigger.write_text("1")
    env = {**os.environ, "FLASK_DEBUG": "1", "EMBEDDED_DB_PATH": str(store)}
    env.pop("MONGODB_URI", None)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    seeded = subprocess.run([*flask, "seed", "demo", "--users", "3", "--posts", "12",
                             "--seed", "1"], env=env, capture_output=True, text=True, timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    port = free_port()
    server = subprocess.Popen([*flask, "run", "--debug", "--port", str(port), "--extra-files",
                               str(trigger)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}/api/posts?limit=1"
        first = wait_until(lambda: answer(url), message=f"{url} did not answer")
        assert first["metadata"]["total"] > 0
        child = lock_holder(store)
        trigger.write_text("2")
        # The reloader starts a new child, which opens the store on its first request.
        def reloaded():
            found = answer(url)
            return found if lock_holder(store) not in (None, child) else None
        again = wait_until(reloaded, message="the reloaded server did not open the store")
        assert again["metadata"]["total"] == first["metadata"]["total"]
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert output.count("database: embedded store in") == 2, output
    assert "is already open in" not in output


def test_a_server_connection_is_monitored_with_short_timeouts():
    from mongoengine.connection import get_connection

    from blog.store.monitoring import CommandLogger, PoolStateLogger, ServerStateLogger
    app = create_app(make_config(MONGODB_URI="mongodb://127.0.0.1:9/blog",
                                 MONGODB_TIMEOUT_MS=300))
    try:
        client = get_connection()
        options = client.options
        assert options.server_selection_timeout == 0.3
        # Not the quick timeout: the monitors read their replies with it.
        assert options.pool_options.connect_timeout == 10
        # Commands wait as long as the server works; requests have their own deadline.
        assert options.pool_options.socket_timeout is None
        assert client.codec_options.tz_aware is True
        listeners = options.event_listeners
        kinds = {type(listener) for listener in listeners}
        assert {CommandLogger, ServerStateLogger, PoolStateLogger} <= kinds
        assert app.extensions["database_mode"] == "server"
    finally:
        disconnect_db(app)


def test_a_server_without_redis_caches_nothing_in_process_memory():
    from mongoengine.connection import get_db

    from blog.extensions import cache
    app = create_app(make_config(MONGODB_URI="mongodb://127.0.0.1:9/?replicaSet=rs0",
                                 MONGODB_TIMEOUT_MS=300))
    try:
        with app.app_context():
            assert get_db().name == "blog"
            assert type(cache.cache).__name__ == "NullCache"
    finally:
        disconnect_db(app)


def test_a_second_app_does_not_take_over_the_first_apps_connection(app, make_user):
    make_user(email="first@example.com")
    with pytest.raises(connection.AlreadyConnected):
        create_app(make_config())
    with app.app_context():
        assert User.by_email("first@example.com") is not None


def test_each_request_gives_its_database_operations_one_deadline():
    import pymongo
    app = create_app(make_config(MONGODB_REQUEST_TIMEOUT_MS=4000))
    app.add_url_rule("/left", "left", lambda: f"{pymongo._csot.remaining():.1f}")
    try:
        assert float(app.test_client().get("/left").text) == pytest.approx(4, abs=0.5)
        with app.app_context():
            assert pymongo._csot.remaining() is None, "commands have no deadline"
    finally:
        disconnect_db(app)


def test_a_request_past_its_deadline_answers_503(client, monkeypatch):
    from pymongo.errors import ExecutionTimeout

    def slow(*args, **kwargs):
        raise ExecutionTimeout("operation would exceed time limit", 50)

    monkeypatch.setattr(Post, "visible", slow)
    response = client.get("/")
    assert response.status_code == 503 and response.headers["Retry-After"].isdigit()
    assert b"The database took too long to answer." in response.data
    api = client.get("/api/posts")
    assert api.status_code == 503 and api.json["error"]["code"] == "unavailable"


@pytest.mark.parametrize("key, value", [("MONGODB_REQUEST_TIMEOUT_MS", "soon"),
                                        ("MONGODB_CONNECT_TIMEOUT_MS", 0),
                                        ("POINTS_RECOVERY_AGE", -1)])
def test_a_timeout_that_is_not_a_positive_number_stops_the_start(key, value):
    with pytest.raises(ConfigurationError, match=f"{key} must be a number above 0"):
        create_app(make_config(**{key: value}))
