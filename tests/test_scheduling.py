"""Scheduled publishing: a published post whose time is ahead is on no list, feed,
search result, API answer or count, and readable only by its editors, until its
time comes, when it appears everywhere by itself, cached pages included."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from blog.models import Post
from blog.models.base import utcnow
from helpers import wait_until

WORD = "zephyrine"
TAG = "later"


@pytest.fixture(params=["in-process", "redis"])
def app_config(request):
    if request.param == "redis":
        return {"REDIS_URL": request.getfixturevalue("redis_server").url}
    return {}


def _titles(html):
    return html.count(f"{WORD.capitalize()} notes")


def sightings(client, admin_client, author):
    """Where the scheduled post shows, view by view: True when it is listed or counted."""
    api = client.get("/api/posts").get_json()
    api_search = client.get(f"/api/posts?q={WORD}").get_json()
    api_tag = client.get(f"/api/posts?tag={TAG}").get_json()
    api_author = client.get(f"/api/posts?author={author.pk}").get_json()
    stats = admin_client.get("/api/stats").get_json()["data"]
    dashboard = admin_client.get("/admin/").get_data(as_text=True)
    tags_page = client.get("/tags/").get_data(as_text=True)
    profile = client.get(f"/users/{author.pk}").get_data(as_text=True)
    return {
        "home page": _titles(client.get("/").get_data(as_text=True)) > 0,
        "home page tag cloud": f"/tags/{TAG}" in client.get("/").get_data(as_text=True),
        "tag page": _titles(client.get(f"/tags/{TAG}").get_data(as_text=True)) > 0,
        "tags page": f"/tags/{TAG}" in tags_page,
        "feed": WORD in client.get("/feed.atom").get_data(as_text=True).lower(),
        "tag feed": WORD in client.get(f"/tags/{TAG}/feed.atom").get_data(as_text=True).lower(),
        "search": _titles(client.get(f"/search?q={WORD}").get_data(as_text=True)) > 0,
        "profile": _titles(profile) > 0,
        "profile count": re.search(r'Published posts <span class="count">(\d+)', profile)[1]
                         == "2",
        "api list": api["metadata"]["total"] == 2,
        "api search": api_search["metadata"]["total"] == 1,
        "api tag": api_tag["metadata"]["total"] == 1,
        "api author": api_author["metadata"]["total"] == 2,
        "api post": client.get(f"/api/posts/{WORD}-notes").status_code == 200,
        "post page": client.get(f"/posts/{WORD}-notes").status_code == 200,
        "sitemap": f"/posts/{WORD}-notes<" in client.get("/sitemap.xml").get_data(as_text=True),
        "sitemap tag": f"/tags/{TAG}<" in client.get("/sitemap.xml").get_data(as_text=True),
        "related posts": f"/posts/{WORD}-notes" in client.get("/posts/already-out").get_data(
            as_text=True),
        "stats top tags": any(row["tag"] == TAG for row in stats["topTags"]),
        "stats per month": sum(row["count"] for row in stats["postsByMonth"]) == 2,
        "stats top authors": stats["topAuthors"][0]["count"] == 2,
        "dashboard total": '<span class="total-number">2</span> published' in dashboard,
    }


@pytest.fixture
def cast(app, author, admin, make_post, client_for):
    """The author with one visible post, and an admin's client."""
    make_post(author, title="Already out", content="Plain words.", tags=["shared"])
    return client_for(admin)


def test_a_scheduled_post_appears_by_itself_when_its_time_comes(app, client, author, cast,
                                                                make_post):
    soon = utcnow().replace(microsecond=0) + timedelta(seconds=3)
    post = make_post(author, title=f"{WORD.capitalize()} notes", content=f"About {WORD}.",
                     tags=[TAG, "shared"], published_at=soon)
    before = sightings(client, cast, author)
    assert utcnow() < soon, "the checks took longer than the post waited: inconclusive"
    assert not any(before.values()), [view for view, seen in before.items() if seen]
    # Every anonymous page above is now cached; none may outlive the publish time.
    wait_until(lambda: utcnow() >= soon, timeout=10)
    after = sightings(client, cast, author)
    assert all(after.values()), [view for view, seen in after.items() if not seen]
    with app.app_context():
        assert Post.objects.get(pk=post.pk).updated_at < soon, "no write made it appear"


def test_a_scheduled_post_is_hidden_from_others_and_marked_for_its_editors(
        client, author, make_user, make_post, client_for):
    later = utcnow() + timedelta(days=3)
    make_post(author, title=f"{WORD.capitalize()} notes", tags=[TAG], published_at=later)
    reader = client_for(make_user(email="reader@example.com"))
    for visitor in (client, reader):
        assert visitor.get(f"/posts/{WORD}-notes").status_code == 404
        assert visitor.get(f"/api/posts/{WORD}-notes").status_code == 404
    for role in ("author", "moderator", "admin"):
        editor = client_for(author if role == "author"
                            else make_user(email=f"{role}@example.com", role=role))
        page = editor.get(f"/posts/{WORD}-notes")
        assert page.status_code == 200, role
        assert "This post is scheduled for" in page.get_data(as_text=True)
        assert later.strftime("%-d %B %Y, %H:%M") in page.get_data(as_text=True)


def test_the_form_schedules_a_post_and_empty_means_now(app, client, author, client_for):
    writer = client_for(author)
    later = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    form = {"title": "Planned", "content": "Words.", "tags": "", "status": "published",
            "publish_at": later.strftime("%Y-%m-%dT%H:%M")}
    response = writer.post("/posts/new", data=form, follow_redirects=True)
    assert f"Scheduled for {later.strftime('%-d %B %Y, %H:%M')} UTC." in response.get_data(
        as_text=True)
    assert client.get("/posts/planned").status_code == 404
    with app.app_context():
        assert Post.objects.get(slug="planned").published_at.replace(tzinfo=timezone.utc) == later
    # The edit form shows the time; sent back as it is, it stays.
    edit_page = writer.get("/posts/planned/edit").get_data(as_text=True)
    assert f'value="{later.strftime("%Y-%m-%dT%H:%M")}"' in edit_page
    writer.post("/posts/planned/edit", data={**form, "content": "More words."})
    assert client.get("/posts/planned").status_code == 404
    # Emptied, it means now.
    writer.post("/posts/planned/edit", data={**form, "publish_at": ""})
    assert client.get("/posts/planned").status_code == 200


def test_an_edit_keeps_a_visible_posts_time(app, author, post, client_for):
    with app.app_context():
        first = Post.objects.get(pk=post.pk).published_at
    edit_page = client_for(author).get("/posts/first/edit").get_data(as_text=True)
    assert 'name="publish_at" type="datetime-local" value=""' in edit_page
    client_for(author).post("/posts/first/edit", data={
        "title": "First", "content": "New words.", "tags": "ink", "status": "published",
        "publish_at": ""})
    with app.app_context():
        assert Post.objects.get(pk=post.pk).published_at == first


def test_a_visible_post_can_be_rescheduled(client, author, post, client_for):
    later = utcnow() + timedelta(hours=5)
    client_for(author).post("/posts/first/edit", data={
        "title": "First", "content": "Words.", "tags": "ink", "status": "published",
        "publish_at": later.strftime("%Y-%m-%dT%H:%M")})
    assert client.get("/posts/first").status_code == 404
    assert b"First" not in client.get("/").data


@pytest.mark.parametrize("value, message", [
    ("tomorrow", "YYYY-MM-DDTHH:MM"), ("2025-13-01T10:00", "YYYY-MM-DDTHH:MM"),
    ("2025-01-01", "YYYY-MM-DDTHH:MM"), ("2025-01-01T10:00:00", "YYYY-MM-DDTHH:MM"),
    ('{"$gt": ""}', "YYYY-MM-DDTHH:MM"), ("9" * 5000, "YYYY-MM-DDTHH:MM"),
    ("0001-01-01T00:00", "from 1970"), ("9999-12-31T23:59", "from 1970"),
])
def test_a_bad_publish_time_is_refused_and_nothing_is_saved(app, author, client_for, value,
                                                            message):
    response = client_for(author).post("/posts/new", data={
        "title": "Planned", "content": "Words.", "tags": "", "status": "published",
        "publish_at": value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert Post.objects.count() == 0


def test_publish_button_publishes_a_draft(app, client, author, make_post, client_for):
    make_post(author, title="Rough", status="draft")
    writer = client_for(author)
    page = writer.get("/posts/rough").get_data(as_text=True)
    assert 'action="/posts/rough/publish"' in page
    response = writer.post("/posts/rough/publish", follow_redirects=True)
    assert "Published." in response.get_data(as_text=True)
    assert "Post saved." not in response.get_data(as_text=True)
    assert client.get("/posts/rough").status_code == 200
    assert 'action="/posts/rough/publish"' not in writer.get("/posts/rough").get_data(as_text=True)
    with app.app_context():
        assert Post.objects.get(slug="rough").is_visible


def test_publish_button_publishes_now_a_draft_planned_for_later(app, author, make_post,
                                                                client_for):
    make_post(author, title="Rough", status="draft",
              published_at=datetime(2999, 1, 1, tzinfo=timezone.utc))
    client_for(author).post("/posts/rough/publish")
    with app.app_context():
        assert Post.objects.get(slug="rough").is_visible


@pytest.mark.parametrize("role, status", [("other", 404), ("moderator", 302), ("admin", 302)])
def test_who_may_publish(author, make_user, make_post, client_for, role, status):
    make_post(author, title="Rough", status="draft")
    someone = make_user(email=f"{role}@example.com", role="user" if role == "other" else role)
    assert client_for(someone).post("/posts/rough/publish").status_code == status


def test_publishing_needs_a_login_and_a_csrf_token(app, client, author, make_post, client_for):
    make_post(author, title="Rough", status="draft")
    response = client.post("/posts/rough/publish")
    assert response.status_code == 302 and "/auth/login" in response.location
    writer = client_for(author)
    app.config["WTF_CSRF_ENABLED"] = True
    assert writer.post("/posts/rough/publish").status_code == 400
    with app.app_context():
        assert Post.objects.get(slug="rough").status == "draft"
