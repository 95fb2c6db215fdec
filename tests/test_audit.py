"""The audit history: an entry with the right diff for every kind of change, and no secrets."""
import json

import click
import pytest

from blog.services import audit
from blog.models import AuditLog, Post, User
from blog.models.audit import AppendOnlyError
from conftest import PASSWORD


def only_entry(**filters):
    entries = list(AuditLog.objects(**filters))
    assert len(entries) == 1, [str(entry) for entry in entries]
    return entries[0]


def everything_recorded():
    return json.dumps([entry.to_mongo().to_dict() for entry in AuditLog.objects], default=str)


def test_registering_records_the_new_user_without_secrets(client, auth):
    auth.register(email="Ann@Example.com", name="Ann")
    user = User.objects.get(email="ann@example.com")
    entry = only_entry(action="create", collection="user")
    assert entry.document_id == user.pk
    assert entry.label == "ann@example.com"
    assert entry.actor == "anonymous" and entry.actor_id is None
    assert entry.ip == "127.0.0.1"
    assert entry.changes["email"] == [None, "ann@example.com"]
    assert entry.changes["name"] == [None, "Ann"]
    assert entry.changes["role"] == [None, "user"]
    assert entry.changes["points"] == [None, 100]
    assert entry.changes["password"] == "changed"
    recorded = everything_recorded()
    assert user.password_hash not in recorded and user.session_token not in recorded
    assert "$2b$" not in recorded and "password_hash" not in recorded


def test_creating_editing_and_deleting_a_post_from_the_pages(make_user, client_for):
    author = make_user(email="writer@example.com")
    client = client_for(author)
    client.post("/posts/new", data={"title": "First draft", "content": "Hello *world*",
                                    "tags": "Python, flask", "status": "draft"})
    post = Post.objects.get(slug="first-draft")
    created = only_entry(action="create", collection="post")
    assert created.actor == "writer@example.com" and created.actor_id == author.pk
    assert created.document_id == post.pk and created.label == "First draft"
    assert created.changes["title"] == [None, "First draft"]
    assert created.changes["tags"] == [None, ["python", "flask"]]
    assert created.changes["status"] == [None, "draft"]
    assert created.changes["author"] == [None, str(author.pk)]
    assert "html" not in created.changes and "updated_at" not in created.changes

    client.post("/posts/first-draft/edit", data={"title": "Final title", "content": "Hello *world*",
                                                 "tags": "python", "status": "published"})
    updated = only_entry(action="update", collection="post")
    assert updated.label == "Final title"
    assert updated.changes["title"] == ["First draft", "Final title"]
    assert updated.changes["tags"] == [["python", "flask"], ["python"]]
    assert updated.changes["status"] == ["draft", "published"]
    assert updated.changes["published_at"][0] is None
    assert "content" not in updated.changes, "unchanged fields are not listed"
    computed = {"html", "excerpt", "updated_at", "search_terms", "title_terms", "stemmed_text"}
    assert not (set(created.changes) | set(updated.changes)) & computed
    assert updated.ip == "127.0.0.1"

    client.post("/posts/first-draft/delete")
    deleted = only_entry(action="delete", collection="post")
    assert deleted.document_id == post.pk and deleted.label == "Final title"
    assert deleted.changes["title"] == ["Final title", None]
    assert deleted.actor == "writer@example.com"


def test_saving_without_a_change_writes_nothing(make_user, make_post):
    post = make_post(make_user(), title="Same")
    before = AuditLog.objects.count()
    Post.objects.get(pk=post.pk).save()
    assert AuditLog.objects.count() == before


def test_a_moderator_edit_names_the_moderator(make_user, make_post, client_for):
    post = make_post(make_user(email="author@example.com"), title="Theirs")
    moderator = make_user(email="mod@example.com", role="moderator")
    client_for(moderator).post(f"/posts/{post.slug}/edit", data={
        "title": "Theirs", "content": "Some words.", "tags": "", "status": "archived"})
    entry = only_entry(action="update", collection="post")
    assert entry.actor == "mod@example.com"
    assert entry.changes == {"status": ["published", "archived"]}


def test_profile_changes_are_flattened(make_user, client_for):
    user = make_user(email="pat@example.com", name="Pat")
    client_for(user).post("/settings/profile", data={"name": "Patricia", "bio": "Hi <b>there</b>",
                                                     "age": "41", "website": ""})
    entry = only_entry(action="update", collection="user")
    assert entry.changes == {"name": ["Pat", "Patricia"], "profile.bio": ["", "Hi <b>there</b>"],
                             "profile.age": [None, 41]}


def test_a_password_change_is_recorded_as_changed_only(make_user):
    user = make_user(email="sam@example.com")
    old_hash, old_token = user.password_hash, user.session_token
    user = User.objects.get(pk=user.pk)
    user.set_password("another good password")
    user.save()
    entry = only_entry(action="update", collection="user")
    assert entry.changes == {"password": "changed", "session_token": "changed"}
    recorded = everything_recorded()
    for secret in (old_hash, old_token, user.password_hash, user.session_token):
        assert secret not in recorded


def test_logins_failed_logins_and_logouts_with_the_ip(make_user, client, auth):
    user = make_user(email="lee@example.com")
    token_before = User.objects.get(pk=user.pk).session_token

    auth.login(email="lee@example.com", password="wrong password")
    auth.login(email="nobody@example.com", password="wrong password")
    failed_known, failed_unknown = (only_entry(action="login_failed", label=email)
                                    for email in ("lee@example.com", "nobody@example.com"))
    assert failed_known.document_id == user.pk
    assert failed_unknown.document_id is None and failed_unknown.collection == "user"
    assert failed_known.actor == "anonymous" and failed_known.ip == "127.0.0.1"

    client.post("/auth/login", data={"email": "lee@example.com", "password": PASSWORD},
                environ_base={"REMOTE_ADDR": "203.0.113.7"})
    login = only_entry(action="login")
    assert (login.actor_id, login.actor, login.document_id) == (user.pk, "lee@example.com",
                                                                 user.pk)
    assert login.ip == "203.0.113.7"

    auth.logout()
    logout = only_entry(action="logout")
    assert logout.actor == "lee@example.com" and logout.document_id == user.pk
    assert logout.changes == {"session_token": "changed"}
    assert AuditLog.objects(action="update").count() == 0, "the logout is one entry"
    recorded = everything_recorded()
    assert token_before not in recorded
    assert User.objects.get(pk=user.pk).session_token not in recorded
    assert "wrong password" not in recorded


def test_changes_from_a_cli_command_name_the_cli(app, runner, make_user):
    user = make_user(email="cli-target@example.com")

    @app.cli.command("rename-user")
    @click.argument("email")
    def rename_user(email):
        target = User.by_email(email)
        target.name = "Renamed"
        target.save()

    result = runner.invoke(args=["rename-user", "cli-target@example.com"])
    assert result.exit_code == 0, result.output
    entry = only_entry(action="update", collection="user")
    assert entry.actor == "cli" and entry.actor_id is None and entry.ip is None
    assert entry.document_id == user.pk and entry.changes == {"name": ["Someone", "Renamed"]}


def test_changes_outside_requests_and_commands_name_the_system(make_user):
    make_user(email="sys@example.com")
    assert only_entry(action="create", collection="user").actor == "system"


def test_a_bulk_write_leaves_one_summary_entry(app, make_user):
    make_user(email="existing@example.com")
    before = AuditLog.objects.count()
    with app.app_context(), audit.bulk("seed demo --seed 7"):
        authors = []
        for number in range(3):
            author = User(email=f"seed{number}@example.com", name=f"Seed {number}",
                          password_hash="not a real hash")
            author.save()
            authors.append(author)
        for number in range(5):
            Post(author=authors[number % 3], title=f"Seeded {number}").save()
    assert AuditLog.objects.count() == before + 1
    summary = AuditLog.objects.first()
    assert summary.action == "create" and summary.actor == "system"
    assert summary.collection == "post,user"
    assert summary.label == "seed demo --seed 7: 5 posts, 3 users"
    assert summary.changes == {"post": [0, 5], "user": [1, 4]}


def test_suppressed_and_record_bulk_for_writes_without_signals(app):
    with app.app_context():
        with audit.suppressed() as counts:
            User(email="quiet@example.com", name="Quiet", password_hash="x").save()
        assert dict(counts) == {"user": 1}
        assert AuditLog.objects.count() == 0
        entry = audit.record_bulk("import", {"user": 1, "post": 0})
    assert entry.collection == "user" and entry.changes == {"user": [0, 1]}
    assert entry.label == "import: 1 user"
    assert audit.record_bulk("nothing", {}) is None


def test_a_transfer_is_recorded_with_record(app, make_user):
    sender = make_user(email="giver@example.com")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.4"}):
        audit.record("transfer", sender, changes={"points": [100, 90]})
    entry = only_entry(action="transfer")
    assert (entry.collection, entry.document_id, entry.label) == ("user", sender.pk,
                                                                  "giver@example.com")
    assert entry.changes == {"points": [100, 90]} and entry.ip == "198.51.100.4"


def test_entries_are_append_only(make_user):
    make_user()
    entry = AuditLog.objects.first()
    entry.label = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        entry.update(set__label="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.update(set__label="rewritten")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditLog.objects(pk=entry.pk).modify(set__label="rewritten")
    assert AuditLog.objects.get(pk=entry.pk).label != "rewritten"


def test_long_text_is_cut_in_the_entry_but_not_in_the_post(make_user, make_post):
    post = make_post(make_user(), content="word " * 1000)
    entry = only_entry(action="create", collection="post")
    assert len(entry.changes["content"][1]) == audit.MAX_TEXT
    assert entry.changes["content"][1].endswith("…")
    assert len(Post.objects.get(pk=post.pk).content) == 5000


def test_an_edit_far_into_a_long_text_is_recorded(make_user, make_post):
    post = make_post(make_user(), content="word " * 1000)
    post = Post.objects.get(pk=post.pk)
    post.content = "word " * 999 + "changed"
    post.save()
    old, new = only_entry(action="update", collection="post").changes["content"]
    assert old.startswith("…word ") and old.endswith("word ")
    assert new.startswith("…word ") and new.endswith("word changed")
    assert len(old) <= audit.MAX_TEXT and len(new) <= audit.MAX_TEXT


def test_a_field_named_like_a_secret_is_redacted(app, make_user):
    user = make_user()
    with app.app_context():
        audit.record("update", user, changes=audit._diff({"api_token": "t0"}, {"api_token": "t1"}))
    assert only_entry(action="update").changes == {"api_token": "changed"}


def test_a_password_typed_as_the_email_is_not_recorded(client, app):
    client.post("/auth/login", data={"email": "my secret passphrase", "password": "whatever1"})
    with app.app_context():
        entry = AuditLog.objects(action="login_failed").get()
        assert "secret" not in entry.label and entry.label == "(not an email address)"
