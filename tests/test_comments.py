"""Comments: writing, replies, editing and deleting, moderation, and what readers see."""
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from blog.models import AuditLog, Post
from blog.models.comment import Comment


def comment_on(client, post, body="A fine post.", parent=None):
    data = {"body": body}
    if parent is not None:
        data["parent"] = str(parent.pk)
    return client.post(f"/posts/{post.slug}/comments", data=data)


def thread(app, client, post):
    """A comment and a reply to it, by the user of ``client``."""
    comment_on(client, post, "Top.")
    with app.app_context():
        top = only_comment()
    comment_on(client, post, "Reply.", parent=top)
    with app.app_context():
        return top, Comment.objects.get(body="Reply.")


def only_comment():
    assert Comment.objects.count() == 1
    return Comment.objects.first()


@pytest.fixture
def reader(make_user):
    return make_user(email="reader@example.com", name="Rita Reader")


@pytest.fixture
def moderator(make_user):
    return make_user(email="mod@example.com", name="Mo Moderator", role="moderator")


def visible_count(post):
    return Post.objects.get(pk=post.pk).comment_count


def test_a_reader_comments_and_comes_back_at_the_comment(app, post, reader, client_for):
    client = client_for(reader)
    response = comment_on(client, post, "Thanks for **this**.")
    with app.app_context():
        comment = only_comment()
        assert response.status_code == 302
        assert response.headers["Location"] == f"/posts/{post.slug}#comment-{comment.pk}"
        assert comment.status == "pending" and comment.author.pk == reader.pk
        assert comment.html == "<p>Thanks for <strong>this</strong>.</p>\n"
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert f'id="comment-{comment.pk}"' in page and "awaiting approval" in page


@pytest.mark.parametrize("status", ["draft", "archived", "scheduled", "missing"])
def test_only_published_visible_posts_take_comments(app, author, reader, make_post, client_for,
                                                    status):
    fields = {"status": "published" if status == "scheduled" else status}
    if status == "scheduled":
        from blog.models.base import utcnow
        fields["published_at"] = utcnow() + timedelta(days=2)
    post = make_post(author, title="Not out", **({} if status == "missing" else fields))
    if status == "missing":
        with app.app_context():
            Post.objects(pk=post.pk).first().delete()
    # Even its author cannot comment on it.
    for user in (reader, author):
        assert comment_on(client_for(user), post).status_code == 404
    with app.app_context():
        assert Comment.objects.count() == 0


def test_a_visitor_must_log_in_to_comment(app, client, post):
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert "to comment" in page and 'name="body"' not in page
    response = comment_on(client, post)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    with app.app_context():
        assert Comment.objects.count() == 0


@pytest.mark.parametrize("body, message", [
    ("", "Write something first."), ("   \n\t ", "Write something first."),
    ("x" * 5001, "at most 5,000 characters"),
])
def test_an_empty_or_long_comment_is_refused_and_kept_in_the_form(app, post, reader,
                                                                  client_for, body, message):
    response = comment_on(client_for(reader), post, body)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    if body.strip():
        assert body in page  # what was typed is still there
    with app.app_context():
        assert Comment.objects.count() == 0


def test_control_characters_are_stripped(app, post, reader, client_for):
    comment_on(client_for(reader), post, "Tab\tand\x00 NUL\x1b[31m\nline")
    with app.app_context():
        assert only_comment().body == "Tab\tand NUL[31m\nline"


class TestModeration:
    @pytest.fixture
    def app_config(self, request):
        return getattr(request, "param", {})

    def test_first_holds_a_newcomer_then_trusts_them_once_approved(self, app, post, reader,
                                                                   moderator, client_for):
        client = client_for(reader)
        comment_on(client, post, "My first comment.")
        with app.app_context():
            first = only_comment()
            assert first.status == "pending" and visible_count(post) == 0
        response = client_for(moderator).post(f"/admin/comments/{first.pk}/status",
                                              data={"status": "visible"})
        assert response.status_code == 302
        comment_on(client, post, "My second comment.")
        with app.app_context():
            assert Comment.objects.get(pk=first.pk).status == "visible"
            second = Comment.objects(body="My second comment.").get()
            assert second.status == "visible" and visible_count(post) == 2

    @pytest.mark.parametrize("app_config", [{"COMMENT_MODERATION": "all"}], indirect=True)
    def test_all_holds_every_comment_of_a_reader(self, app, post, reader, client_for):
        client = client_for(reader)
        comment_on(client, post, "One.")
        with app.app_context():
            Comment.objects.get(body="One.").update(status="visible")
        comment_on(client, post, "Two.")
        with app.app_context():
            assert Comment.objects.get(body="Two.").status == "pending"

    @pytest.mark.parametrize("app_config", [{"COMMENT_MODERATION": "none"}], indirect=True)
    def test_none_shows_comments_at_once_unless_they_carry_too_many_links(
            self, app, post, reader, client_for):
        client = client_for(reader)
        comment_on(client, post, "See [one](https://a.example) and https://b.example")
        comment_on(client, post, "Buy [a](https://a.example) [b](https://b.example) "
                                 "www.c.example")
        with app.app_context():
            assert Comment.objects.get(body__startswith="See").status == "visible"
            assert Comment.objects.get(body__startswith="Buy").status == "pending"

    @pytest.mark.parametrize("app_config", [{"COMMENT_MODERATION": "all"}], indirect=True)
    def test_moderators_and_admins_are_never_held(self, app, post, moderator, admin,
                                                  client_for):
        for user in (moderator, admin):
            comment_on(client_for(user), post, f"From {user.name}: [a](https://a.example) "
                                               "[b](https://b.example) [c](https://c.example)")
        with app.app_context():
            assert {c.status for c in Comment.objects} == {"visible"}
            assert visible_count(post) == 2

    def test_too_many_links_hold_a_trusted_reader_too(self, app, post, reader, client_for,
                                                      make_post, author):
        client = client_for(reader)
        comment_on(client, post, "Hello.")
        with app.app_context():
            only_comment().update(status="visible")
        comment_on(client, post, "[1](https://a.example) [2](https://b.example) "
                                 "[3](https://c.example)")
        with app.app_context():
            assert Comment.objects.get(body__startswith="[1]").status == "pending"


def test_pending_comments_show_only_to_their_author_and_moderators(
        app, client, post, reader, make_user, moderator, admin, client_for):
    comment_on(client_for(reader), post, "Waiting for a moderator.")
    other = make_user(email="other@example.com")
    seen = {}
    for name, viewer in (("visitor", client), ("other", client_for(other)),
                         ("author", client_for(reader)), ("moderator", client_for(moderator)),
                         ("admin", client_for(admin))):
        seen[name] = "Waiting for a moderator." in viewer.get(
            f"/posts/{post.slug}").get_data(as_text=True)
    assert seen == {"visitor": False, "other": False, "author": True, "moderator": True,
                    "admin": True}


def test_hidden_comments_show_to_no_one_on_the_post(app, client, post, reader, moderator,
                                                   client_for):
    comment_on(client_for(moderator), post, "Off topic.")
    with app.app_context():
        comment = only_comment()
    mod = client_for(moderator)
    mod.post(f"/admin/comments/{comment.pk}/status", data={"status": "hidden"})
    mod.get("/")  # the flashed message, which names the comment
    with app.app_context():
        assert visible_count(post) == 0
    for viewer in (client, mod):
        assert "Off topic." not in viewer.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert "Off topic." in mod.get("/admin/comments?status=hidden").get_data(as_text=True)


def test_replies_attach_to_the_top_level_comment(app, post, reader, moderator, client_for):
    client = client_for(moderator)
    top, reply = thread(app, client, post)
    comment_on(client, post, "Reply to the reply.", parent=reply)
    with app.app_context():
        assert Comment.objects.get(body="Reply to the reply.").parent.pk == top.pk
        assert reply.parent.pk == top.pk
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    shown = page[page.index(f'id="comment-{top.pk}"'):]
    assert shown.index("Top.") < shown.index("Reply.") < shown.index("Reply to the reply.")
    assert 'class="comment-replies' in shown


def test_a_reply_to_a_comment_on_another_post_or_hidden_is_refused(
        app, post, author, make_post, reader, moderator, client_for):
    other_post = make_post(author, title="Other")
    comment_on(client_for(moderator), other_post, "Elsewhere.")
    with app.app_context():
        elsewhere = only_comment()
    client = client_for(reader)
    for parent_id in (str(elsewhere.pk), "not-an-id", "0" * 24, '{"$gt": ""}'):
        response = client.post(f"/posts/{post.slug}/comments",
                               data={"body": "Reply", "parent": parent_id})
        assert response.status_code in (400, 404), parent_id
    with app.app_context():
        assert Comment.objects.count() == 1


def test_the_same_comment_twice_within_a_minute_is_refused(app, post, reader, client_for):
    client = client_for(reader)
    comment_on(client, post, "Same words.")
    response = comment_on(client, post, "  Same words.  ")
    assert response.status_code == 409
    assert "You have just posted this comment." in response.get_data(as_text=True)
    with app.app_context():
        only_comment().update(created_at=only_comment().created_at - timedelta(minutes=2))
    assert comment_on(client, post, "Same words.").status_code == 302
    with app.app_context():
        assert Comment.objects.count() == 2


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "COMMENT_RATE_LIMIT": "3 per minute"}

    def test_comments_are_limited_per_user(self, app, post, reader, make_user, client_for):
        client = client_for(reader)
        codes = [comment_on(client, post, f"Comment {n}").status_code for n in range(4)]
        assert codes == [302, 302, 302, 429]
        # Someone else is not held back by it.
        assert comment_on(client_for(make_user()), post, "Mine").status_code == 302


class TestEditing:
    def test_the_author_edits_within_15_minutes_and_it_is_marked(self, app, post, reader,
                                                                 client_for):
        client = client_for(reader)
        comment_on(client, post, "Typo hree.")
        with app.app_context():
            comment = only_comment()
        assert client.get(f"/comments/{comment.pk}/edit").status_code == 200
        response = client.post(f"/comments/{comment.pk}/edit", data={"body": "Typo here."})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"#comment-{comment.pk}")
        with app.app_context():
            assert only_comment().body == "Typo here." and only_comment().was_edited
        page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
        assert "Typo here." in page and "edited" in page

    def test_after_15_minutes_no_one_can_edit(self, app, post, reader, client_for):
        client = client_for(reader)
        comment_on(client, post, "Old words.")
        with app.app_context():
            comment = only_comment()
            comment.update(created_at=comment.created_at - timedelta(minutes=16))
        response = client.post(f"/comments/{comment.pk}/edit", data={"body": "New words."})
        assert response.status_code == 403
        assert "15 minutes" in response.get_data(as_text=True)
        with app.app_context():
            assert only_comment().body == "Old words."

    @pytest.mark.parametrize("who", ["post author", "moderator", "admin", "someone else"])
    def test_only_its_author_edits(self, app, post, author, reader, moderator, admin,
                                   make_user, client_for, who):
        comment_on(client_for(reader), post, "Reader's words.")
        with app.app_context():
            comment = only_comment()
            comment.update(status="visible")
        editor = {"post author": author, "moderator": moderator, "admin": admin,
                  "someone else": make_user()}[who]
        response = client_for(editor).post(f"/comments/{comment.pk}/edit",
                                           data={"body": "Changed."})
        assert response.status_code == 403
        with app.app_context():
            assert only_comment().body == "Reader's words."

    def test_an_edit_adding_links_goes_back_for_approval(self, app, post, reader,
                                                         client_for):
        client = client_for(reader)
        comment_on(client, post, "Plain.")
        with app.app_context():
            only_comment().update(status="visible")
            Post.objects(pk=post.pk).update_one(set__comment_count=1)
            comment = only_comment()
        client.post(f"/comments/{comment.pk}/edit", data={
            "body": "[a](https://a.example) [b](https://b.example) [c](https://c.example)"})
        with app.app_context():
            assert only_comment().status == "pending" and visible_count(post) == 0


@pytest.mark.parametrize("who, allowed", [
    ("comment author", True), ("post author", True), ("moderator", True), ("admin", True),
    ("someone else", False)])
def test_who_may_delete_a_comment(app, post, author, reader, moderator, admin, make_user,
                                  client_for, who, allowed):
    comment_on(client_for(reader), post, "Delete me?")
    with app.app_context():
        comment = only_comment()
        comment.update(status="visible")
        Post.objects(pk=post.pk).update_one(set__comment_count=1)
    deleter = {"comment author": reader, "post author": author, "moderator": moderator,
               "admin": admin, "someone else": make_user()}[who]
    response = client_for(deleter).post(f"/comments/{comment.pk}/delete")
    assert response.status_code == (302 if allowed else 403)
    with app.app_context():
        assert Comment.objects.count() == (0 if allowed else 1)
        assert visible_count(post) == (0 if allowed else 1)
        if allowed:
            entry = AuditLog.objects(collection="comment", action="delete").get()
            assert entry.actor == deleter.email and entry.label == "“Delete me?” on First"


def test_deleting_a_comment_keeps_its_replies(app, post, moderator, reader, client_for):
    client = client_for(moderator)
    top, _ = thread(app, client, post)
    client.post(f"/comments/{top.pk}/delete")
    with app.app_context():
        reply = only_comment()
        assert reply.body == "Reply." and reply.parent is None and visible_count(post) == 1
    assert "Reply." in client.get(f"/posts/{post.slug}").get_data(as_text=True)


XSS = [
    "<script>alert(1)</script>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "![x](https://evil.example/x.png)",
    '<img src=x onerror="alert(1)">',
    "<b onmouseover=alert(1)>hi</b>",
    '<a href="https://evil.example">raw</a>',
    "# Big heading\n\nSub\n===",
    "[data](data:text/html,<script>alert(1)</script>)",
    "<iframe src=https://evil.example></iframe>",
]


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attributes = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


@pytest.mark.parametrize("body", XSS)
def test_hostile_markup_never_reaches_the_page(app, client, post, moderator, client_for, body):
    comment_on(client_for(moderator), post, body)
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    with app.app_context():
        comment = only_comment()
    section = page[page.index('<div class="prose comment-body">'):]
    markup = _Markup()
    markup.feed(section[:section.index("</div>")])
    assert set(markup.tags) <= {"div", "p", "a", "strong", "em", "b", "code"}, markup.tags
    for name, value in markup.attributes:
        assert not name.startswith("on") and name != "style"
        if name == "href":
            assert value.startswith("https://")
    # Raw HTML is text, never a link; an image is at most a link to it.
    assert ("href", "https://evil.example") not in markup.attributes
    assert comment.html in page


def test_links_in_comments_are_nofollow_ugc(app, client, post, moderator, client_for):
    comment_on(client_for(moderator), post, "See [this](https://example.com/page).")
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert '<a href="https://example.com/page" rel="nofollow ugc noopener">this</a>' in page


def test_every_change_is_audited_with_its_actor(app, post, reader, moderator, client_for):
    client = client_for(reader)
    comment_on(client, post, "Audit me please.")
    with app.app_context():
        comment = only_comment()
    client.post(f"/comments/{comment.pk}/edit", data={"body": "Audit me, please."})
    client_for(moderator).post(f"/admin/comments/{comment.pk}/status",
                               data={"status": "visible"})
    client_for(moderator).post(f"/comments/{comment.pk}/delete")
    with app.app_context():
        entries = [(e.action, e.actor, e.changes) for e in
                   AuditLog.objects(collection="comment").order_by("at", "id")]
    assert [(action, actor) for action, actor, _ in entries] == [
        ("create", reader.email), ("update", reader.email), ("update", moderator.email),
        ("delete", moderator.email)]
    assert entries[1][2]["body"] == ["Audit me please.", "Audit me, please."]
    assert entries[2][2]["status"] == ["pending", "visible"]


def test_deleting_a_post_deletes_its_comments_each_audited(app, post, author, reader,
                                                           moderator, client_for):
    comment_on(client_for(reader), post, "One.")
    comment_on(client_for(moderator), post, "Two.")
    client = client_for(author)
    page = client.get(f"/posts/{post.slug}/delete").get_data(as_text=True)
    assert "2 comments" in page
    client.post(f"/posts/{post.slug}/delete")
    with app.app_context():
        assert Comment.objects.count() == 0
        labels = sorted(e.label for e in AuditLog.objects(collection="comment", action="delete"))
    assert labels == ["“One.” on First", "“Two.” on First"]


def test_cards_and_the_post_count_visible_comments(app, client, post, reader, moderator,
                                                   client_for):
    comment_on(client_for(moderator), post, "Counted.")
    comment_on(client_for(reader), post, "Pending, not counted.")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r">1 comment</a>", home)
    assert "1 comment" in client.get(f"/posts/{post.slug}").get_data(as_text=True)


class TestQueue:
    def test_moderators_see_pending_first_and_approve_in_one_click(
            self, app, post, make_user, moderator, client_for):
        for number in range(3):
            comment_on(client_for(make_user(name=f"Reader {number}")), post,
                       f"Comment number {number}.")
        client = client_for(moderator)
        page = client.get("/admin/comments").get_data(as_text=True)
        assert page.index("Comment number 0.") < page.index("Comment number 1.") \
            < page.index("Comment number 2.")
        assert "First" in page and "Reader 1" in page
        assert re.search(r'class="nav-count">3<', page)
        with app.app_context():
            first = Comment.objects.get(body="Comment number 0.")
        response = client.post(f"/admin/comments/{first.pk}/status",
                               data={"status": "visible", "next": "/admin/comments?page=1"})
        assert response.headers["Location"] == "/admin/comments?page=1"
        client.get("/")  # the flashed message, which names the comment
        page = client.get("/admin/comments").get_data(as_text=True)
        assert "Comment number 0." not in page and re.search(r'class="nav-count">2<', page)

    @pytest.mark.parametrize("who, code", [("visitor", 302), ("user", 403), ("moderator", 200),
                                           ("admin", 200)])
    def test_only_moderators_and_admins_reach_it(self, app, client, reader, moderator, admin,
                                                 client_for, post, who, code):
        comment_on(client_for(reader), post, "Hold me.")
        with app.app_context():
            comment = only_comment()
        viewer = {"visitor": client, "user": client_for(reader),
                  "moderator": client_for(moderator), "admin": client_for(admin)}[who]
        assert viewer.get("/admin/comments").status_code == code
        response = viewer.post(f"/admin/comments/{comment.pk}/status",
                               data={"status": "visible"})
        assert response.status_code == (302 if code in (200, 302) else 403)
        with app.app_context():
            assert only_comment().status == ("visible" if code == 200 else "pending")

    def test_the_moderator_sees_only_the_queue_in_the_admin_navigation(self, moderator,
                                                                       client_for):
        client = client_for(moderator)
        page = client.get("/").get_data(as_text=True)
        assert 'href="/admin/comments">Moderation' in page
        queue = client.get("/admin/comments").get_data(as_text=True)
        assert "Audit history" not in queue and "Statistics" not in queue
        assert client.get("/admin/").status_code == 403

    @pytest.mark.parametrize("query", ["status=spam", "status=%7B%22%24gt%22%3A%22%22%7D",
                                       "page=0", "page=abc"])
    def test_bad_filters_are_a_400(self, moderator, client_for, query):
        assert client_for(moderator).get(f"/admin/comments?{query}").status_code == 400

    @pytest.mark.parametrize("status", ["pending", "deleted", "", '{"$gt": ""}'])
    def test_only_visible_or_hidden_can_be_chosen(self, app, post, reader, moderator,
                                                  client_for, status):
        comment_on(client_for(reader), post, "Hold me.")
        with app.app_context():
            comment = only_comment()
        response = client_for(moderator).post(f"/admin/comments/{comment.pk}/status",
                                              data={"status": status})
        assert response.status_code == 400
        with app.app_context():
            assert only_comment().status == "pending"

    def test_no_open_redirect_after_a_decision(self, app, post, reader, moderator,
                                               client_for):
        comment_on(client_for(reader), post, "Hold me.")
        with app.app_context():
            comment = only_comment()
        response = client_for(moderator).post(f"/admin/comments/{comment.pk}/status",
                                              data={"status": "hidden",
                                                    "next": "//evil.com/x"})
        assert response.headers["Location"] == "/admin/comments"


class TestApi:
    def test_visible_comments_in_the_apis_shape(self, app, client, post, reader, moderator,
                                                 client_for):
        mod = client_for(moderator)
        top, reply = thread(app, mod, post)
        comment_on(client_for(reader), post, "Pending, not listed.")
        body = client.get(f"/api/posts/{post.slug}/comments").get_json()
        assert body["success"] is True
        assert body["metadata"] == {"total": 2, "page": 1, "limit": 10, "totalPages": 1}
        first, second = body["data"]
        assert set(first) == {"id", "html", "body", "author", "parent", "createdAt"}
        assert (first["id"], first["body"], first["html"], first["parent"]) == (
            str(top.pk), "Top.", "<p>Top.</p>\n", None)
        assert first["author"] == {"id": str(moderator.pk), "name": "Mo Moderator"}
        assert (second["id"], second["parent"]) == (str(reply.pk), str(top.pk))
        assert first["createdAt"].endswith("Z") or "+00:00" in first["createdAt"]
        post_json = client.get(f"/api/posts/{post.slug}").get_json()["data"]
        assert post_json["commentCount"] == 2

    def test_pages_of_comments(self, app, client, post, moderator, client_for):
        mod = client_for(moderator)
        for number in range(5):
            comment_on(mod, post, f"Number {number}.")
        body = client.get(f"/api/posts/{post.slug}/comments?limit=2&page=3").get_json()
        assert [item["body"] for item in body["data"]] == ["Number 4."]
        assert body["metadata"]["totalPages"] == 3
        assert client.get(f"/api/posts/{post.slug}/comments?page=4&limit=2").status_code == 404

    @pytest.mark.parametrize("query", ["page=0", "limit=abc", "page=%7B%22%24gt%22%3A1%7D",
                                       "limit=-1"])
    def test_bad_paging_is_a_400_in_json(self, client, post, query):
        response = client.get(f"/api/posts/{post.slug}/comments?{query}")
        assert response.status_code == 400
        assert response.get_json()["success"] is False

    def test_a_draft_or_missing_post_has_no_comments(self, client, author, make_post):
        draft = make_post(author, title="Draft", status="draft")
        for slug in (draft.slug, "no-such-post", "..%2F..%2Fetc"):
            response = client.get(f"/api/posts/{slug}/comments")
            assert response.status_code == 404 and response.get_json()["success"] is False


def test_comments_are_in_the_activity_feed(app, post, reader, admin, client_for):
    comment_on(client_for(reader), post, "Hello from the feed.")
    entries = client_for(admin).get("/admin/activity.json").get_json()["data"]
    created = [entry for entry in entries if entry["collection"] == "comment"]
    assert created and created[0]["action"] == "create"
    assert created[0]["label"] == "“Hello from the feed.” on First"
    assert created[0]["actorName"] == "Rita Reader"


def test_saving_the_same_text_is_not_an_edit(app, post, reader, client_for):
    client = client_for(reader)
    comment_on(client, post, "Unchanged.")
    with app.app_context():
        comment = only_comment()
    response = client.post(f"/comments/{comment.pk}/edit", data={"body": " Unchanged. "})
    assert response.status_code == 302
    with app.app_context():
        assert not only_comment().was_edited
        assert AuditLog.objects(collection="comment", action="update").count() == 0
