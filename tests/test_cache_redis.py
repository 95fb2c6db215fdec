"""The Redis cache: shared by instances without mixing them, and never a reason to fail.

The outage tests run a redis-server of their own, which they stop, start or pause.
"""
import logging

import pytest
import redis

from blog import create_app, disconnect_db
from blog.extensions import cache
from blog.models import Post, User
from conftest import PASSWORD, make_config
from helpers import finishes_within, operations, wait_until
from test_cache import ANONYMOUS_PAGES, EDIT, insert_behind_the_apps_back

RETRY_SECONDS = 0.3


@pytest.fixture
def app_config(own_redis_server):
    return {"REDIS_URL": own_redis_server.url, "CACHE_RETRY_SECONDS": RETRY_SECONDS,
            "RATELIMIT_ENABLED": True}


def cache_warnings(caplog):
    return [record for record in caplog.records
            if record.name == "blog.cache" and record.levelno >= logging.WARNING]


def test_socket_timeouts_are_well_under_a_second(app):
    with app.app_context():
        options = cache.cache._read_client.connection_pool.connection_kwargs
    assert options["socket_timeout"] <= 0.5 and options["socket_connect_timeout"] <= 0.5


def test_keys_are_namespaced_by_database(app, client, post, own_redis_server):
    client.get("/")
    database = app.config["MONGODB_URI"].split("//")[1]
    keys = own_redis_server.keys()
    assert keys and all(key.decode().startswith(f"flask_cache_{database}:") for key in keys)


def test_two_databases_on_one_redis_do_not_mix(own_redis_server):
    first = create_app(make_config(REDIS_URL=own_redis_server.url))
    with first.app_context():
        author = User(email="one@example.com", name="One", password_hash="x")
        author.save()
        Post(author=author, title="Only in the first", status="published").save()
    assert b"Only in the first" in first.test_client().get("/").data
    disconnect_db(first)
    second = create_app(make_config(REDIS_URL=own_redis_server.url))
    assert b"Only in the first" not in second.test_client().get("/").data
    disconnect_db(second)


def test_the_password_hash_stays_out_of_the_cache(app, client_for, author, own_redis_server):
    client_for(author).get("/settings/profile")
    client = redis.Redis(port=own_redis_server.port)
    stored = [client.get(key) for key in client.keys("*:user:*") if b":version:" not in key]
    assert stored and all(b"author@example.com" in value for value in stored)
    assert not any(b"$2b$" in value or b"password_hash" in value for value in stored)


def test_with_redis_stopped_every_page_answers_and_one_warning_is_logged(
        app, client, client_for, auth, author, post, own_redis_server, caplog):
    writer = client_for(author)
    for path in ANONYMOUS_PAGES:
        client.get(path)
    own_redis_server.stop()
    pages = ANONYMOUS_PAGES + ["/users/" + str(author.pk), "/search?q=first", "/auth/login",
                               "/api/posts", "/healthz"]
    for path in pages:
        assert client.get(path).status_code == 200, path
    for path in pages[:-3] + ["/settings/profile", "/posts/new", "/admin/"]:
        assert writer.get(path).status_code == (403 if path == "/admin/" else 200), path
    assert writer.post("/posts/first/edit", data=dict(EDIT, title="Edited")).status_code == 302
    assert b"Edited" in client.get("/").data
    assert app.test_client().post("/auth/login", data={
        "email": "author@example.com", "password": PASSWORD}).status_code == 302
    assert client.get("/healthz").get_json()["cache"] == "down"
    assert len(cache_warnings(caplog)) == 1

    own_redis_server.start()
    # Once the cache is tried again, a page is stored and the next is served from it.
    wait_until(lambda: operations(client.get("/")) == 0, message="Redis was not used again")
    assert b"Edited" in client.get("/").data
    insert_behind_the_apps_back(app, author, "Unseen arrival")
    cached = client.get("/")
    assert operations(cached) == 0 and b"Unseen arrival" not in cached.data
    assert len(cache_warnings(caplog)) == 1


def test_a_change_made_while_redis_is_unreachable_is_not_served_stale(
        app, client, client_for, author, post, own_redis_server):
    writer = client_for(author)
    assert b"First" in client.get("/").data
    pause_seconds = 6
    redis.Redis(port=own_redis_server.port).client_pause(int(pause_seconds * 1000), all=True)
    # A cache that does not answer is skipped after its socket timeout (0.25 s), long
    # before Redis answers again.
    assert finishes_within(pause_seconds / 2, lambda: client.get("/")).status_code == 200
    assert writer.post("/posts/first/edit", data=dict(EDIT, title="Renamed")).status_code == 302

    def served_from_the_cache_again():
        response = client.get("/")
        page = response.get_data(as_text=True)
        assert "Renamed" in page and ">First<" not in page, "a stale page was served"
        return operations(response) == 0
    wait_until(served_from_the_cache_again, message="Redis was not used again")
