"""Taking one's data away (export) and deleting one's account, from the settings pages."""
import json

import pytest

from blog.models import AuditLog, Post, Transfer, User
from blog.models.comment import Comment
from conftest import PASSWORD
from helpers import operations


@pytest.fixture
def logged_in(ann, client_for):
    return client_for(ann)


def send_kudos(client, recipient, amount):
    response = client.post(f"/users/{recipient.pk}/kudos", data={"points": str(amount)})
    assert response.status_code == 302


def delete(client, password=PASSWORD, confirm="delete"):
    return client.post("/settings/delete", data={"password": password, "confirm": confirm})


def export(client):
    response = client.get("/settings/export")
    assert response.status_code == 200
    return response, json.loads(response.get_data(as_text=True))


class TestExport:
    def test_a_download_of_everything_held_about_the_person(self, app, ann, bob, logged_in,
                                                            client_for, make_post):
        first = make_post(ann, title="Published one", content="# Heading\n\n*Words*",
                          tags=["ink"])
        with app.app_context():
            edited = Post.objects.get(pk=first.pk)
            edited.content = "# Heading\n\n*Better words*"
            edited.save()
        make_post(ann, title="A draft", content="Half a thought", status="draft")
        make_post(ann, title="Old news", status="archived")
        make_post(bob, title="Bob's post")
        logged_in.post("/settings/profile", data={"name": "Ann A", "bio": "Writes.", "age": "30",
                                                  "website": "https://ann.example.com"})
        send_kudos(logged_in, bob, 15)
        send_kudos(client_for(bob), ann, 4)

        response, data = export(logged_in)
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["Content-Disposition"].endswith('.json"')
        assert response.mimetype == "application/json"
        profile = data["profile"]
        assert (profile["email"], profile["name"], profile["bio"], profile["age"],
                profile["website"], profile["points"]) == (
            "ann@example.com", "Ann A", "Writes.", 30, "https://ann.example.com", 89)
        posts = {post["title"]: post for post in data["posts"]}
        assert set(posts) == {"Published one", "A draft", "Old news"}
        assert posts["Published one"]["content"] == "# Heading\n\n*Better words*"
        assert [(revision["number"], revision["content"]) for revision in
                posts["Published one"]["revisions"]] == [(1, "# Heading\n\n*Words*")]
        assert posts["Published one"]["tags"] == ["ink"]
        assert {post["status"] for post in posts.values()} == {"published", "draft", "archived"}
        assert [(k["amount"], k["to"]["name"]) for k in data["kudos"]["sent"]] == [(15, "Bob")]
        assert [(k["amount"], k["from"]["name"]) for k in data["kudos"]["received"]] == \
            [(4, "Bob")]
        actions = [entry["action"] for entry in data["audit"]]
        assert "login" in actions and "update" in actions and "transfer" in actions

    def test_never_the_password_hash_or_session_token(self, app, ann, logged_in):
        response, data = export(logged_in)
        with app.app_context():
            stored = User.objects.get(pk=ann.pk)
        text = response.get_data(as_text=True)
        assert stored.password_hash not in text and stored.session_token not in text
        assert stored.password_hash[:29] not in text, "not even the salt"
        assert PASSWORD not in text
        assert not {"password", "password_hash", "session_token"} & set(data["profile"])
        for entry in data["audit"]:
            for field in ("password", "session_token"):
                assert entry["changes"].get(field) in (None, "changed")

    def test_it_costs_the_same_with_2_or_40_posts(self, ann, logged_in, make_post):
        for number in range(2):
            make_post(ann, title=f"Post {number}")
        logged_in.get("/settings/export")  # the logged-in user is cached from now on
        few = operations(logged_in.get("/settings/export"))
        for number in range(38):
            make_post(ann, title=f"More {number}", status="draft" if number % 2 else "published")
        response, data = export(logged_in)
        assert len(data["posts"]) == 40
        assert operations(response) == few

    def test_kudos_with_a_deleted_account_name_it_so(self, ann, bob, logged_in, client_for):
        bobs = client_for(bob)
        send_kudos(bobs, ann, 7)
        send_kudos(logged_in, bob, 3)
        assert delete(bobs).status_code == 302
        _, data = export(logged_in)
        assert data["kudos"]["received"][0]["from"] == {"id": None, "name": "a deleted account"}
        assert data["kudos"]["sent"][0]["to"] == {"id": None, "name": "a deleted account"}


class TestDelete:
    def test_the_account_and_its_posts_go_and_the_session_ends(self, app, ann, bob, logged_in,
                                                               client, make_post):
        kept = make_post(bob, title="Bob stays")
        gone = [make_post(ann, title="Ann's post"), make_post(ann, title="Draft", status="draft")]
        send_kudos(logged_in, bob, 20)
        page = logged_in.get("/settings/delete").get_data(as_text=True)
        assert 'name="password"' in page and 'name="confirm"' in page

        response = delete(logged_in, confirm=" Delete ")
        assert response.status_code == 302 and response.headers["Location"] == "/"
        assert logged_in.get("/settings/profile").status_code == 302, "logged out"
        assert client.post("/auth/login", data={"email": ann.email, "password": PASSWORD}
                           ).status_code == 401
        assert client.get(f"/users/{ann.pk}").status_code == 404
        assert client.get(f"/posts/{gone[0].slug}").status_code == 404
        assert client.get(f"/posts/{kept.slug}").status_code == 200
        with app.app_context():
            assert not User.objects(pk=ann.pk).count()
            assert [post.title for post in Post.objects] == ["Bob stays"]
            transfer = Transfer.objects.get()
            assert transfer.to_mongo()["sender"] == ann.pk and transfer.state == "done"
            assert User.objects.get(pk=bob.pk).points == 120, "the kudos Bob got stay his"
            history = AuditLog.objects(actor_id=ann.pk)
            assert {entry.action for entry in history} >= {"login", "transfer", "delete"}
            deleted = AuditLog.objects(action="delete", collection="user").get()
            assert deleted.document_id == ann.pk and deleted.label == "ann@example.com"
            assert AuditLog.objects(action="delete", collection="post").count() == 2

    @pytest.mark.parametrize("password, confirm, message", [
        ("not my password", "delete", "That is not your password."),
        (PASSWORD, "yes", "Type the word delete to confirm."),
        (PASSWORD, "", "This field is required."),
        ("", "delete", "This field is required."),
    ])
    def test_it_wants_the_password_and_the_word(self, app, ann, logged_in, make_post, password,
                                                confirm, message):
        make_post(ann)
        response = delete(logged_in, password, confirm)
        assert response.status_code == 400 and message in response.get_data(as_text=True)
        assert logged_in.get("/settings/delete").status_code == 200
        with app.app_context():
            assert User.objects(pk=ann.pk).count() == 1 and Post.objects.count() == 1

    def test_the_last_admin_is_told_why_not(self, app, make_user, client_for):
        admin = make_user(email="admin@example.com", role="admin")
        client = client_for(admin)
        page = client.get("/settings/delete")
        assert page.status_code == 200
        assert "only admin" in page.get_data(as_text=True)
        assert 'name="password"' not in page.get_data(as_text=True)
        response = delete(client)
        assert response.status_code == 409 and "only admin" in response.get_data(as_text=True)
        with app.app_context():
            assert User.objects(pk=admin.pk, role="admin").count() == 1

    def test_an_admin_with_another_admin_can_go(self, app, make_user, client_for):
        first = make_user(email="first@example.com", role="admin")
        second = make_user(email="second@example.com", role="admin")
        assert delete(client_for(first)).status_code == 302
        response = delete(client_for(second))
        assert response.status_code == 409, "now the last"
        with app.app_context():
            assert [user.email for user in User.objects] == ["second@example.com"]
            assert User.objects.get().role == "admin"


class TestComments:
    """A person's comments go with their data: exported, and deleted with the account."""

    @pytest.fixture
    def app_config(self):
        return {"COMMENT_MODERATION": "none"}

    @pytest.fixture
    def thread(self, app, ann, bob, make_post, client_for):
        """Ann's comment on Bob's post and Bob's reply to it, Ann's comment on her own
        post, and Bob's other comment."""
        bobs_post, anns_post = make_post(bob, title="Bob's post"), make_post(ann, title="Ann's")
        anns, bobs = client_for(ann), client_for(bob)
        anns.post(f"/posts/{bobs_post.slug}/comments", data={"body": "Ann was here."})
        with app.app_context():
            first = Comment.objects.get()
        bobs.post(f"/posts/{bobs_post.slug}/comments",
                  data={"body": "Bob answers.", "parent": str(first.pk)})
        anns.post(f"/posts/{anns_post.slug}/comments", data={"body": "Note to self."})
        bobs.post(f"/posts/{bobs_post.slug}/comments", data={"body": "Bob again."})
        return bobs_post, anns_post

    def test_the_export_has_every_comment_of_the_person(self, thread, logged_in):
        _, data = export(logged_in)
        assert [(c["post"]["title"], c["body"], c["status"]) for c in data["comments"]] == [
            ("Bob's post", "Ann was here.", "visible"), ("Ann's", "Note to self.", "visible")]

    def test_deleting_the_account_deletes_its_comments_each_audited(self, app, thread, bob,
                                                                    logged_in, client):
        bobs_post, _ = thread
        assert delete(logged_in).status_code == 302
        with app.app_context():
            left = [(comment.body, comment.parent) for comment in Comment.objects]
            assert sorted(left) == [("Bob again.", None), ("Bob answers.", None)]
            labels = sorted(entry.label for entry in
                            AuditLog.objects(action="delete", collection="comment"))
            # Ann's comment on her own post went with the post, and was audited too.
            assert labels == ["“Ann was here.” on Bob's post", "“Note to self.” on Ann's"]
            assert Post.objects.get(pk=bobs_post.pk).comment_count == \
                Comment.objects(post=bobs_post.pk, status="visible").count()
        page = client.get(f"/posts/{bobs_post.slug}").get_data(as_text=True)
        assert "Ann was here." not in page and "Bob answers." in page
