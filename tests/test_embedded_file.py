"""The embedded store's SQLite file: what a write costs, GridFS, a failed commit, and
upgrading from the JSON file earlier versions kept."""
import logging
import os
import shutil
import sqlite3
import stat
from contextlib import closing

import gridfs
import pytest
from mongoengine.connection import get_db

from blog import create_app, disconnect_db
from blog.models import Post, User
from blog.store import connection
from blog.store.embedded_file import EmbeddedStoreUnreadable, EmbeddedStoreUnwritable
from conftest import PASSWORD, ROOT, make_config

EARLIER_STORE = os.path.join(ROOT, "tests", "data", "embedded-db-format1.json")
# What the earlier store holds: the demo admin, three demo users and six posts.
EARLIER_POSTS = 6
DEMO_ADMIN = ("admin@example.com", "inkwell-admin")


def embedded_app(path, earlier=None):
    return create_app(make_config(MONGODB_URI=None, EMBEDDED_DB_PATH=str(path),
                                  EARLIER_EMBEDDED_DB_PATH=str(earlier) if earlier else None))


def opened(app):
    """``app`` with its store open (it opens on first use)."""
    with app.app_context():
        connection.ping()
    return app


def register_and_post(client, title="Kept post"):
    client.post("/auth/register", data={"email": "keep@example.com", "name": "Keeper",
                                        "password": PASSWORD, "password_confirm": PASSWORD})
    return client.post("/posts/new", data={"title": title, "content": "still here",
                                           "tags": "durable", "status": "published"})


def test_a_write_costs_what_it_changes_not_the_size_of_the_store(tmp_path):
    store = tmp_path / "embedded.db"
    app = opened(embedded_app(store))
    try:
        with app.app_context(), connection.bulk_writes():
            get_db()["bulk"].insert_many([{"n": n, "padding": "x" * 20_000} for n in range(500)])
        assert os.path.getsize(store) + wal_size(store) > 10_000_000
        before = wal_size(store)
        assert register_and_post(app.test_client()).status_code == 302
        # The user, the post and their audit entries: a few pages, not the 10 MB store.
        assert wal_size(store) - before < 200_000
    finally:
        disconnect_db(app)


def wal_size(store):
    try:
        return os.path.getsize(f"{store}-wal")
    except FileNotFoundError:
        return 0


def test_the_file_is_readable_by_its_owner_only(tmp_path):
    store = tmp_path / "embedded.db"
    app = opened(embedded_app(store))
    disconnect_db(app)
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600


def test_an_online_backup_taken_while_the_store_is_open_opens_as_a_store(tmp_path):
    store, backup = tmp_path / "embedded.db", tmp_path / "backup.db"
    app = opened(embedded_app(store))
    try:
        register_and_post(app.test_client())
        with closing(sqlite3.connect(store)) as source, \
                closing(sqlite3.connect(backup)) as target:
            source.backup(target)
    finally:
        disconnect_db(app)
    app = embedded_app(backup)
    try:
        assert app.test_client().get("/posts/kept-post").status_code == 200
    finally:
        disconnect_db(app)


def test_gridfs_files_are_kept_and_removed_like_documents(tmp_path):
    store = tmp_path / "embedded.db"
    content = os.urandom(600_000)  # three chunks
    app = opened(embedded_app(store))
    with app.app_context():
        file_id = gridfs.GridFS(get_db()).put(content, filename="picture.jpg")
        kept_id = gridfs.GridFS(get_db()).put(b"small", filename="small.txt")
    disconnect_db(app)

    app = opened(embedded_app(store))
    with app.app_context():
        files = gridfs.GridFS(get_db())
        assert files.get(file_id).read() == content
        assert files.get(file_id).filename == "picture.jpg"
        files.delete(file_id)
    disconnect_db(app)

    app = opened(embedded_app(store))
    try:
        with app.app_context():
            files = gridfs.GridFS(get_db())
            assert not files.exists(file_id)
            assert files.get(kept_id).read() == b"small"
            assert get_db()["fs.chunks"].count_documents({}) == 1
    finally:
        disconnect_db(app)


def test_a_write_the_file_refuses_is_not_acknowledged_and_goes_with_the_next(tmp_path):
    store = tmp_path / "embedded.db"
    app = opened(embedded_app(store))
    try:
        client = app.test_client()
        assert register_and_post(client).status_code == 302
        with closing(sqlite3.connect(store)) as db:
            db.execute('CREATE TRIGGER full_disk BEFORE INSERT ON "blog.post" '
                       "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
        refused = client.post("/posts/new", data={"title": "Refused at first", "content": "x",
                                                  "status": "published"})
        assert refused.status_code == 503
        assert b"try again" in refused.data
        with closing(sqlite3.connect(store)) as db:
            db.execute("DROP TRIGGER full_disk")
        assert client.post("/posts/new", data={"title": "Accepted", "content": "y",
                                               "status": "published"}).status_code == 302
    finally:
        disconnect_db(app)
    app = embedded_app(store)
    try:
        with app.app_context():
            assert sorted(Post.objects.scalar("title")) == [
                "Accepted", "Kept post", "Refused at first"]
    finally:
        disconnect_db(app)


def test_a_dropped_collection_is_gone_after_a_restart(tmp_path):
    store = tmp_path / "embedded.db"
    app = opened(embedded_app(store))
    with app.app_context():
        get_db()["scratch"].insert_one({"n": 1})
        get_db().drop_collection("scratch")
        get_db()["scratch"].insert_one({"n": 2})
        get_db()["gone"].insert_one({"n": 3})
        get_db()["gone"].drop()
    disconnect_db(app)
    app = opened(embedded_app(store))
    try:
        with app.app_context():
            assert [doc["n"] for doc in get_db()["scratch"].find()] == [2]
            assert "gone" not in get_db().list_collection_names()
    finally:
        disconnect_db(app)


def assert_the_earlier_content_is_there(app):
    client = app.test_client()
    with app.app_context():
        assert Post.objects.count() == EARLIER_POSTS
        assert User.objects.count() == 4
        slug = Post.objects.first().slug
        assert Post.objects.first().published_at.tzinfo is not None
    assert client.get(f"/posts/{slug}").status_code == 200
    email, password = DEMO_ADMIN
    login = client.post("/auth/login", data={"email": email, "password": password})
    assert login.status_code == 302
    # The unique email index holds for imported users too.
    again = app.test_client().post("/auth/register", data={
        "email": email, "name": "Twin", "password": PASSWORD, "password_confirm": PASSWORD})
    assert b"already registered" in again.data


def imports_logged(caplog):
    return [record for record in caplog.records if record.name == "blog.db"
            and "imported" in record.getMessage()]


def test_a_json_store_at_the_earlier_default_is_imported_once(tmp_path, caplog):
    earlier = tmp_path / "instance" / "embedded-db.json"
    earlier.parent.mkdir()
    shutil.copy(EARLIER_STORE, earlier)
    store = tmp_path / "instance" / "embedded.db"
    with caplog.at_level(logging.INFO, logger="blog.db"):
        app = opened(embedded_app(store, earlier))
    try:
        assert_the_earlier_content_is_there(app)
    finally:
        disconnect_db(app)
    [logged] = imports_logged(caplog)
    assert str(earlier) in logged.getMessage() and str(store) in logged.getMessage()
    assert not earlier.exists()
    assert (tmp_path / "instance" / "embedded-db.json.imported").read_bytes() == \
        open(EARLIER_STORE, "rb").read()

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="blog.db"):
        app = opened(embedded_app(store, earlier))
    try:
        with app.app_context():
            assert Post.objects.count() == EARLIER_POSTS
    finally:
        disconnect_db(app)
    assert imports_logged(caplog) == []


def test_a_json_store_at_the_configured_path_is_imported_in_its_place(tmp_path, caplog):
    store = tmp_path / "blog-store.json"
    shutil.copy(EARLIER_STORE, store)
    with caplog.at_level(logging.INFO, logger="blog.db"):
        app = opened(embedded_app(store, tmp_path / "embedded-db.json"))
    try:
        assert_the_earlier_content_is_there(app)
    finally:
        disconnect_db(app)
    assert len(imports_logged(caplog)) == 1
    assert store.read_bytes().startswith(b"SQLite format 3\x00")
    assert (tmp_path / "blog-store.json.imported").read_bytes() == \
        open(EARLIER_STORE, "rb").read()


def test_the_earlier_default_is_looked_for_only_when_the_store_is_at_the_default():
    app = create_app(make_config())
    disconnect_db(app)
    instance = os.path.join(ROOT, "instance")
    assert app.config["EMBEDDED_DB_PATH"] == os.path.join(instance, "embedded.db")
    assert app.config["EARLIER_EMBEDDED_DB_PATH"] == os.path.join(instance, "embedded-db.json")
    app = create_app(make_config(EMBEDDED_DB_PATH="/srv/inkwell/blog.db"))
    disconnect_db(app)
    assert app.config.get("EARLIER_EMBEDDED_DB_PATH") is None


def test_a_configured_store_comes_before_a_json_store_at_the_earlier_default(tmp_path):
    earlier = tmp_path / "embedded-db.json"
    shutil.copy(EARLIER_STORE, earlier)
    store = tmp_path / "embedded.db"
    app = opened(embedded_app(store))
    disconnect_db(app)
    app = opened(embedded_app(store, earlier))
    try:
        with app.app_context():
            assert Post.objects.count() == 0
    finally:
        disconnect_db(app)
    assert earlier.read_bytes() == open(EARLIER_STORE, "rb").read()


@pytest.mark.parametrize("content, message", [
    (b'{"format": 1, "databases": {"blog": {"post": [{"title": "cut off', "Could not import"),
    (b'{"format": 7, "databases": {}}', "not a JSON store of format 1"),
    (b"GIF89a\x01\x00", "neither an SQLite database nor a JSON store"),
])
def test_a_file_that_is_no_store_is_refused_and_left_as_it_was(tmp_path, content, message):
    store = tmp_path / "embedded.db"
    store.write_bytes(content)
    app = embedded_app(store)
    try:
        with app.app_context(), pytest.raises(EmbeddedStoreUnreadable, match=message):
            connection.ping()
    finally:
        disconnect_db(app)
    assert store.read_bytes() == content
    assert sorted(os.listdir(tmp_path)) == ["embedded.db", "embedded.db.lock"]


def test_a_document_that_cannot_be_stored_fails_its_write_and_no_other(tmp_path):
    store = tmp_path / "embedded.db"
    app = opened(embedded_app(store))
    try:
        with app.app_context():
            things = get_db()["things"]
            things.insert_one({"_id": 1, "tags": []})
            # mongomock takes a Python set in a $push; BSON has no such type.
            with pytest.raises(EmbeddedStoreUnwritable, match="cannot be stored as BSON"):
                things.update_one({"_id": 1}, {"$push": {"tags": {"a", "b"}}})
            things.insert_one({"_id": 2})
    finally:
        disconnect_db(app)
    app = opened(embedded_app(store))
    try:
        with app.app_context():
            assert list(get_db()["things"].find({}, sort=[("_id", 1)])) == [
                {"_id": 1, "tags": []}, {"_id": 2}]
    finally:
        disconnect_db(app)
