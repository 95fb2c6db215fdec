"""A MongoDB server without its indexes: the blog refuses to start or serve, and
`flask db ensure-indexes` creates them, lists the ones no document declares and drops
those when asked."""
import runpy

import pytest

from blog.models import AuditLog, Post, User
from blog.services import indexes
from conftest import ROOT



def as_a_server_without_unique_indexes(app):
    """The app as on a MongoDB server where `flask db ensure-indexes` was never run."""
    app.extensions["database_mode"] = "server"
    with app.app_context():
        for document in (User, Post, AuditLog):
            for name, index in document._get_collection().index_information().items():
                if index.get("unique"):
                    document._get_collection().drop_index(name)


def test_a_server_without_its_unique_indexes_refuses_to_serve_until_they_exist(
        app, client, runner):
    as_a_server_without_unique_indexes(app)
    response = client.get("/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The database lacks the unique indexes" in page and "user.email_1" in page
    assert "run `flask db ensure-indexes`" in page
    api = client.get("/api/posts")
    assert api.status_code == 503 and "flask db ensure-indexes" in api.json["error"]["message"]
    # Nothing written meanwhile: registering is refused too.
    assert client.post("/auth/register", data={
        "email": "ann@example.com", "name": "Ann", "password": "a long password",
        "password_confirm": "a long password"}).status_code == 503
    with app.app_context():
        assert not User.objects(email="ann@example.com").count()

    result = runner.invoke(args=["db", "ensure-indexes"])
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 200
    with app.app_context():
        assert indexes.missing_unique() == []


def test_gunicorn_stops_at_start_in_one_line_without_the_unique_indexes(app, monkeypatch):
    import blog
    as_a_server_without_unique_indexes(app)
    monkeypatch.setenv("MONGODB_URI", "mongodb://db.internal:27017/blog")
    monkeypatch.setattr(blog, "create_app", lambda: app)
    monkeypatch.setattr(blog, "disconnect_db", lambda app: None)
    hooks = runpy.run_path(f"{ROOT}/gunicorn.conf.py")
    # gunicorn prints a RuntimeError's message as "Error: …" and exits with status 1.
    with pytest.raises(RuntimeError) as stopped:
        hooks["when_ready"](None)
    message = str(stopped.value)
    assert "\n" not in message and "run `flask db ensure-indexes`" in message
    assert "post.slug_1" in message and "audit_log.one_entry_per_transfer" in message


def test_ensure_indexes_lists_the_indexes_no_document_declares_and_drops_them_when_asked(
        app, runner):
    with app.app_context():
        Post._get_collection().create_index([("title", 1)], name="title_1")
        User._get_collection().create_index([("name", 1), ("role", 1)])
    listed = runner.invoke(args=["db", "ensure-indexes"])
    assert listed.exit_code == 0, listed.output
    assert ("Indexes no document declares (every write keeps them up to date; --drop-extra "
            "drops them): post.title_1, user.name_1_role_1.") in listed.output
    with app.app_context():
        assert "title_1" in Post._get_collection().index_information()

    dropped = runner.invoke(args=["db", "ensure-indexes", "--drop-extra"])
    assert dropped.exit_code == 0, dropped.output
    assert "Dropped the indexes no document declares: post.title_1, user.name_1_role_1." \
        in dropped.output
    with app.app_context():
        assert "title_1" not in Post._get_collection().index_information()
        assert indexes.extra() == [] and indexes.missing_unique() == []
    assert "no document declares" not in runner.invoke(args=["db", "ensure-indexes"]).output
