"""``flask db export`` and ``flask db import``: a blog moved out of one database and into
another whole, as canonical Extended JSON lines that mongoimport reads."""
import json
import os

import gridfs
import pytest
from bson import json_util
from mongoengine.connection import get_db

from blog import create_app, disconnect_db
from blog.models import Post, Transfer, User
from blog.services.points import send_kudos
from conftest import make_config

DEMO_ADMIN = ("admin@example.com", "inkwell-admin")
PICTURE = os.urandom(300_000)  # two GridFS chunks


def seeded_app(**config):
    """An app on a fresh database with demo content, a kudos transfer and a GridFS file."""
    app = create_app(make_config(**config))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo", "--users", "4", "--posts", "12", "--seed", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ann, bob = User.objects(role="user")[:2]
        send_kudos(ann, bob, 5)
        gridfs.GridFS(get_db()).put(PICTURE, filename="picture.jpg")
    return app


def canonical(document):
    """A document as text two databases can be compared in (field order aside)."""
    return json_util.dumps(document, json_options=json_util.CANONICAL_JSON_OPTIONS,
                           sort_keys=True)


def contents(app):
    """Every collection's documents."""
    with app.app_context():
        db = get_db()
        return {name: sorted(canonical(doc) for doc in db[name].find())
                for name in db.list_collection_names()}


def run(app, *args):
    return app.test_cli_runner().invoke(args=["db", *args])


@pytest.fixture
def exported(tmp_path):
    """An export of a seeded blog, and what the blog held."""
    app = seeded_app()
    try:
        result = run(app, "export", str(tmp_path / "dump"))
        assert result.exit_code == 0, result.output
        held = contents(app)
    finally:
        disconnect_db(app)
    return tmp_path / "dump", held


@pytest.fixture
def empty_app():
    app = create_app(make_config())
    yield app
    disconnect_db(app)


def test_an_export_is_a_file_of_canonical_extended_json_lines_per_collection(exported):
    folder, held = exported
    assert sorted(os.listdir(folder)) == sorted(f"{name}.jsonl" for name in held)
    assert {"post.jsonl", "user.jsonl", "audit_log.jsonl", "transfer.jsonl", "fs.files.jsonl",
            "fs.chunks.jsonl"} <= set(os.listdir(folder))
    for name, documents in held.items():
        lines = (folder / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
        assert sorted(canonical(json_util.loads(line)) for line in lines) == documents
        for line in lines:
            json.loads(line)  # plain JSON, one document a line
    post = json.loads((folder / "post.jsonl").read_text().splitlines()[0])
    assert set(post["_id"]) == {"$oid"}
    assert set(post["created_at"]["$date"]) == {"$numberLong"}


def test_an_import_loads_the_blog_whole(exported, empty_app):
    folder, held = exported
    result = run(empty_app, "import", str(folder))
    assert result.exit_code == 0, result.output
    assert "Imported" in result.output and "post: 12 documents" in result.output
    assert contents(empty_app) == held

    client = empty_app.test_client()
    email, password = DEMO_ADMIN
    assert client.post("/auth/login", data={"email": email,
                                            "password": password}).status_code == 302
    with empty_app.app_context():
        post = Post.visible().first()
        assert Transfer.objects.count() == 1
        picture = gridfs.GridFS(get_db()).find_one({"filename": "picture.jpg"})
        assert picture.read() == PICTURE
        assert "email_1" in User._get_collection().index_information()
    assert post.title.encode() in client.get(f"/posts/{post.slug}").data


def test_an_import_refuses_a_database_with_documents_unless_told_to_replace_them(
        exported, empty_app):
    folder, held = exported
    empty_app.test_cli_runner().invoke(args=["create-admin", "old@example.com",
                                             "--password", "an old password"])
    before = contents(empty_app)
    result = run(empty_app, "import", str(folder))
    assert result.exit_code == 1
    assert "already holds documents (in audit_log, user)" in result.output
    assert "--replace" in result.output
    assert contents(empty_app) == before

    result = run(empty_app, "import", str(folder), "--replace")
    assert result.exit_code == 0, result.output
    assert contents(empty_app) == held
    with empty_app.app_context():
        assert User.by_email("old@example.com") is None


def test_the_embedded_store_exports_and_imports_through_its_file(tmp_path):
    source = seeded_app(MONGODB_URI=None, EMBEDDED_DB_PATH=str(tmp_path / "one.db"))
    try:
        assert run(source, "export", str(tmp_path / "dump")).exit_code == 0
        held = contents(source)
    finally:
        disconnect_db(source)
    target = create_app(make_config(MONGODB_URI=None, EMBEDDED_DB_PATH=str(tmp_path / "two.db")))
    try:
        result = run(target, "import", str(tmp_path / "dump"))
        assert result.exit_code == 0, result.output
    finally:
        disconnect_db(target)
    reopened = create_app(make_config(MONGODB_URI=None,
                                      EMBEDDED_DB_PATH=str(tmp_path / "two.db")))
    try:
        assert contents(reopened) == held
    finally:
        disconnect_db(reopened)


def test_an_export_keeps_away_from_a_folder_that_holds_one(exported, tmp_path):
    folder, _ = exported
    app = seeded_app()
    try:
        result = run(app, "export", str(folder))
        assert result.exit_code == 1 and "already holds an export" in result.output
        (tmp_path / "a-file").write_text("x")
        result = run(app, "export", str(tmp_path / "a-file"))
        assert result.exit_code == 1 and "is a file, not a folder" in result.output
    finally:
        disconnect_db(app)


BAD_FOLDERS = {
    "not JSON": ({"post.jsonl": '{"title": "fine"}\n{"title": \n'},
                 "post.jsonl line 2: not Extended JSON"),
    "not a document": ({"post.jsonl": '[1, 2]\n'}, "post.jsonl line 1: a line must hold one"),
    "an operator": ({"user.jsonl": '{"email": {"$gt": ""}}\n'},
                    "user.jsonl line 1: field names may not start with $ ($gt)"),
    "a repeated id": ({"post.jsonl": '{"_id": 1}\n\n{"_id": 1}\n'},
                      "post.jsonl line 3: another document has the same _id"),
    "a repeated unique key": (
        {"user.jsonl": '{"email": "a@example.com"}\n{"email": "a@example.com"}\n'},
        "user.jsonl line 2: another document has the same email"),
    "a system collection": ({"system.users.jsonl": "{}\n"}, "system collections are not"),
    "a bad collection name": ({"$where.jsonl": "{}\n"}, "not a collection name MongoDB"),
    "not UTF-8": ({"post.jsonl": b'{"title": "\xff\xfe"}\n'}, "post.jsonl line 1: not UTF-8"),
}


@pytest.mark.parametrize("files, message", BAD_FOLDERS.values(), ids=BAD_FOLDERS)
def test_a_folder_that_cannot_be_loaded_whole_is_not_loaded_at_all(
        tmp_path, empty_app, files, message):
    folder = tmp_path / "dump"
    folder.mkdir()
    # A good collection first, so a partial import would show.
    (folder / "audit_log.jsonl").write_text('{"action": "create"}\n')
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    result = run(empty_app, "import", str(folder))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    with empty_app.app_context():
        # The counters of an empty blog (all zero) are not content.
        assert all(get_db()[name].count_documents({}) == 0
                   for name in get_db().list_collection_names() if name != "counter")


def test_an_import_from_a_folder_without_an_export_says_so(tmp_path, empty_app):
    result = run(empty_app, "import", str(tmp_path / "missing"))
    assert result.exit_code == 1 and "There is no folder" in result.output
    (tmp_path / "notes.txt").write_text("hello")
    result = run(empty_app, "import", str(tmp_path))
    assert result.exit_code == 1 and "holds no .jsonl files" in result.output
