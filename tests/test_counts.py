"""The counters behind the statistics and tag counts stay exact through every change.

After each change, the dashboard's statistics (from the counters) are compared
with the same figures computed in plain Python from every document
(stats_truth), and the home page's tags with what the visible posts carry.
"""
import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from pymongo.errors import ExecutionTimeout

from blog.models import Post, User
from blog.models.comment import Comment
from blog.models.counter import Counter as StoredCounter
from blog.services import counts
from blog.services.stats import compute_stats
from conftest import PASSWORD
from stats_truth import comments_as_dicts, documents_as_dicts, ground_truth

FIGURES = ("usersByRole", "postsByMonth", "postsByMonthAndStatus", "signupsByMonth", "topTags",
           "topAuthors", "commentsByMonth")


def assert_exact(app, now=None):
    now = now or datetime.now(timezone.utc)
    with app.app_context():
        stats = compute_stats(now)
    expected = ground_truth(*documents_as_dicts(), now, comments_as_dicts())
    for key in FIGURES:
        assert stats[key] == expected[key], key
    for key, value in expected["totals"].items():
        assert stats["totals"][key] == value, key
    return stats


def home_tags(client):
    """``{tag: count}`` as the home page's sidebar shows them."""
    html = client.get("/").get_data(as_text=True)
    return {tag: int(count) for tag, count in
            re.findall(r'class="tag" href="/tags/[^"]+">([^<]+) <span class="count">(\d+)</span>',
                       html)}


@pytest.fixture
def writer(make_user):
    return make_user(email="writer@example.com", name="Writer", profile={"age": 30})


def test_edits_status_changes_and_deletes_keep_the_counts_exact(app, writer, make_post,
                                                                client_for):
    client = client_for(writer)
    first = make_post(writer, title="First", tags=["ink", "paper"])
    make_post(writer, title="Second", tags=["ink"])
    assert_exact(app)
    assert counts.tag_counts() == [{"tag": "ink", "count": 2}, {"tag": "paper", "count": 1}]

    client.post(f"/posts/{first.slug}/edit", data={
        "title": "First, edited", "content": "New words.", "tags": "paper, quill",
        "status": "published"})
    assert counts.tag_counts() == [{"tag": "ink", "count": 1}, {"tag": "paper", "count": 1},
                                   {"tag": "quill", "count": 1}]
    assert_exact(app)

    for status in ("draft", "archived", "published", "draft"):
        response = client.post(f"/posts/{first.slug}/edit", data={
            "title": "First, edited", "content": "New words.", "tags": "paper, quill",
            "status": status})
        assert response.status_code == 302
        assert_exact(app)
    assert counts.tag_counts() == [{"tag": "ink", "count": 1}]

    client.post(f"/posts/{first.slug}/publish")
    assert_exact(app)
    client.post(f"/posts/{first.slug}/delete")
    assert Post.by_slug(first.slug) is None
    stats = assert_exact(app)
    assert stats["totals"]["posts"] == 1 and counts.tag_counts() == [{"tag": "ink", "count": 1}]


def test_a_scheduled_post_counts_once_its_time_comes(app, writer, client_for):
    client = client_for(writer)
    later = (datetime.now(timezone.utc) + timedelta(days=2)).replace(second=0, microsecond=0)
    client.post("/posts/new", data={"title": "Tomorrow's news", "content": "Soon.",
                                    "tags": "soon, ink", "status": "published",
                                    "publish_at": later.strftime("%Y-%m-%dT%H:%M")})
    client.post("/posts/new", data={"title": "Today's news", "content": "Now.",
                                    "tags": "ink", "status": "published"})
    stats = assert_exact(app)
    assert (stats["totals"]["scheduled"], stats["totals"]["published"]) == (1, 1)
    assert counts.tag_counts() == [{"tag": "ink", "count": 1}]
    assert stats["totals"]["tags"] == 1
    assert home_tags(client) == {"ink": 1}

    after = later + timedelta(minutes=1)
    stats = assert_exact(app, now=after)
    assert (stats["totals"]["scheduled"], stats["totals"]["published"]) == (0, 2)
    assert stats["totals"]["tags"] == 2
    with app.app_context():
        assert [row for row in counts.Counts(after).largest("tag")] == [("ink", 2), ("soon", 1)]


def test_many_scheduled_posts_do_not_push_the_right_tags_out_of_the_top(app, writer, make_post):
    later = datetime.now(timezone.utc) + timedelta(days=1)
    for number in range(5):
        make_post(writer, title=f"Waiting {number}", tags=["waiting"], published_at=later)
    for number in range(3):
        make_post(writer, title=f"Out {number}", tags=["out", f"only{number}"])
    with app.app_context():
        assert counts.Counts().largest("tag", 2) == [("out", 3), ("only0", 1)]


def test_role_age_and_account_deletion_keep_the_counts_exact(app, writer, make_user, make_post,
                                                             client_for, admin):
    make_post(writer, title="By the writer", tags=["ink"])
    other_admin = make_user(email="second.admin@example.com", role="admin", profile={"age": 50})
    make_post(other_admin, title="By the second admin", tags=["ink", "admin"])
    assert_exact(app)

    client_for(admin).post(f"/admin/users/{writer.pk}/role", data={"role": "moderator"})
    assert User.objects.get(pk=writer.pk).role == "moderator"
    client_for(writer).post("/settings/profile", data={"name": "Writer", "bio": "", "age": "41",
                                                       "website": ""})
    assert_exact(app)

    # An admin's account is demoted before it is deleted (so two admins cannot both leave).
    response = client_for(other_admin).post("/settings/delete", data={
        "password": PASSWORD, "confirm": "delete"})
    assert response.status_code == 302
    stats = assert_exact(app)
    assert {row["role"]: row["count"] for row in stats["usersByRole"]} == {
        "user": 0, "moderator": 1, "admin": 1}
    assert counts.tag_counts() == [{"tag": "ink", "count": 1}]

    response = client_for(writer).post("/settings/delete", data={
        "password": PASSWORD, "confirm": "delete"})
    assert response.status_code == 302
    stats = assert_exact(app)
    assert stats["totals"]["posts"] == 0 and counts.tag_counts() == []


def test_a_post_loaded_with_some_fields_saves_its_counts_right(app, writer, make_post):
    post = make_post(writer, title="Partly loaded", tags=["ink", "paper"])
    with app.app_context():
        partial = Post.objects.only("title", "author").get(pk=post.pk)
        partial.title = "Partly loaded, renamed"
        partial.save()
    assert_exact(app)
    assert counts.tag_counts() == [{"tag": "ink", "count": 1}, {"tag": "paper", "count": 1}]


def test_recount_rebuilds_counters_that_went_wrong(app, writer, make_post, runner):
    make_post(writer, title="Counted", tags=["ink"])
    StoredCounter.add({("tag", "ink"): 40, ("posts", "draft"): 3})
    result = runner.invoke(args=["stats", "recount"])
    assert result.exit_code == 0, result.output
    assert "Recounted 2 documents." in result.output
    assert_exact(app)


def test_counters_of_a_blog_from_before_them_are_built_on_first_use(app, writer, make_post):
    make_post(writer, title="Old post", tags=["ink", "old"])
    StoredCounter.objects.delete()
    assert counts.tag_counts() == [{"tag": "ink", "count": 1}, {"tag": "old", "count": 1}]
    assert_exact(app)


def test_tag_counts_read_the_counters_not_the_posts(app, writer, make_post, client,
                                                    monkeypatch):
    for number in range(30):
        make_post(writer, title=f"Post {number}", tags=["ink", f"t{number % 4}"])
    counts.ensure_built()
    read = Counter()
    original = Post._get_collection().__class__.aggregate

    def counting(self, *args, **kwargs):
        read[self.name] += 1
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Post._get_collection().__class__, "aggregate", counting)
    assert home_tags(client)["ink"] == 30
    assert read["post"] == 0


@pytest.mark.parametrize("app_config", [{"AGGREGATION_TIMEOUT_MS": 1234}])
def test_an_aggregation_past_its_time_limit_answers_a_clear_503(app, writer, make_post,
                                                                 client_for, monkeypatch):
    make_post(writer, title="Mine", tags=["ink"])
    collection_class = Post._get_collection().__class__
    given = []

    def too_slow(self, pipeline, *args, **kwargs):
        given.append(kwargs.get("maxTimeMS"))
        raise ExecutionTimeout("operation exceeded time limit", 50)
    monkeypatch.setattr(collection_class, "aggregate", too_slow)
    response = client_for(writer).get("/me/posts")
    assert given == [1234]
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert "took too long" in response.get_data(as_text=True)


def test_comments_moderated_edited_and_deleted_keep_the_counts_exact(app, writer, make_post,
                                                                     make_user):
    post = make_post(writer, title="Talked about")
    reader = make_user(email="reader@example.com")
    with app.app_context():
        first = Comment(post=post, author=reader, body="Nice.", status="pending")
        first.save()
        Comment(post=post, author=writer, body="Thanks.", status="visible").save()
        stats = assert_exact(app)
        assert (stats["pendingComments"], stats["totals"]["comments"]) == (1, 1)
        for status in ("visible", "hidden", "visible"):
            first.status = status
            first.save()
            assert_exact(app)
        first.body = "Nice, edited."
        first.save()
        stats = assert_exact(app)
        assert (stats["pendingComments"], stats["totals"]["comments"]) == (0, 2)
        first.delete()
        assert assert_exact(app)["totals"]["comments"] == 1
        post.delete()
        stats = assert_exact(app)
    assert (stats["pendingComments"], stats["totals"]["comments"]) == (0, 0)
