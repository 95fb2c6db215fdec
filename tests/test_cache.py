"""The cache: what it keeps, for whom, and that every change shows on the very next request.

Each test runs against the in-process cache and against a real redis-server.
"""

import pytest

from blog.models import Post, User
from blog.models.comment import Comment
from helpers import operations

PAGES_WITH_THE_POST = ["/", "/posts/first", "/tags/ink", "/feed.atom", "/tags/ink/feed.atom"]
ANONYMOUS_PAGES = PAGES_WITH_THE_POST + ["/tags/"]
EDIT = {"title": "First", "content": "Words.", "tags": "ink", "status": "published"}


@pytest.fixture(params=["in-process", "redis"])
def app_config(request):
    if request.param == "redis":
        return {"REDIS_URL": request.getfixturevalue("redis_server").url}
    return {}


def insert_behind_the_apps_back(app, author, title, tags=("ink",)):
    """A published post written without a signal, so no cached value is forgotten."""
    with app.app_context():
        post = Post(author=author, title=title, content="Unseen.", tags=list(tags),
                    status="published")
        post.clean()
        Post._get_collection().insert_one(post.to_mongo().to_dict())


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_anonymous_pages_are_served_from_the_cache(client, post, path):
    first = client.get(path)
    again = client.get(path)
    assert first.status_code == again.status_code == 200
    assert operations(first) > 0 and operations(again) == 0
    assert again.data == first.data
    for header in ("Content-Type", "Content-Security-Policy", "X-Frame-Options"):
        assert again.headers[header] == first.headers[header]
    assert "Cookie" in again.headers["Vary"]


def test_a_request_with_a_cookie_is_not_served_from_the_cache(client, post):
    client.get("/")
    client.set_cookie("session", "not-a-valid-session")
    response = client.get("/")
    assert response.status_code == 200 and operations(response) > 0


def test_the_key_is_the_whole_url_with_its_query_string(app, client, author, post):
    client.get("/")
    client.get("/tags/ink")
    insert_behind_the_apps_back(app, author, "Unseen arrival")
    assert b"Unseen arrival" not in client.get("/").data
    assert b"Unseen arrival" not in client.get("/tags/ink").data
    assert b"Unseen arrival" in client.get("/?page=1").data
    assert b"Unseen arrival" in client.get("/tags/ink?sort=any").data


def test_an_edit_shows_at_once_on_every_page(client, client_for, author, post):
    for path in PAGES_WITH_THE_POST:
        assert b"First" in client.get(path).data
    writer = client_for(author)
    assert writer.post("/posts/first/edit", data=dict(EDIT, title="Renamed")).status_code == 302
    for path in PAGES_WITH_THE_POST:
        page = client.get(path).get_data(as_text=True)
        assert "Renamed" in page and ">First<" not in page, path


def test_publishing_shows_at_once(client, client_for, author, make_post):
    make_post(author, title="Draft", tags=["ink"], status="draft")
    for path in ["/", "/tags/ink", "/feed.atom", "/tags/"]:
        assert b"Draft" not in client.get(path).data
    assert client.get("/posts/draft").status_code == 404
    client_for(author).post("/posts/draft/edit", data=dict(EDIT, title="Draft"))
    for path in ["/", "/tags/ink", "/feed.atom", "/posts/draft"]:
        assert b"Draft" in client.get(path).data, path
    assert b"ink" in client.get("/tags/").data


def test_a_deleted_post_is_gone_at_once(client, client_for, author, post):
    assert client.get("/posts/first").status_code == 200
    assert b"First" in client.get("/").data
    client_for(author).post("/posts/first/delete")
    assert client.get("/posts/first").status_code == 404
    assert b"First" not in client.get("/").data
    assert b"First" not in client.get("/tags/ink/feed.atom").data


def test_a_tag_change_moves_the_post_between_tag_pages(client, client_for, author, post):
    assert b"First" in client.get("/tags/ink").data
    assert b"First" not in client.get("/tags/paper").data
    client_for(author).post("/posts/first/edit", data=dict(EDIT, tags="paper"))
    assert b"First" not in client.get("/tags/ink").data
    assert b"First" in client.get("/tags/paper").data
    tag_cloud = client.get("/tags/").get_data(as_text=True)
    assert "/tags/paper" in tag_cloud and "/tags/ink" not in tag_cloud


def test_a_new_author_name_shows_in_every_byline(client, client_for, author, post):
    assert b"Ann Author" in client.get("/").data
    client_for(author).post("/settings/profile", data={"name": "Ann Renamed"})
    for path in ["/", "/posts/first", "/tags/ink", "/feed.atom"]:
        assert b"Ann Renamed" in client.get(path).data, path


def test_logged_in_readers_get_their_own_page_and_never_leave_it_behind(
        client, client_for, author, post):
    writer = client_for(author)
    assert b"Ann Author" in writer.get("/").data and b"Log out" in writer.get("/").data
    anonymous = client.get("/").get_data(as_text=True)
    assert "Log out" not in anonymous and "Log in" in anonymous
    again = writer.get("/")
    assert b"Log out" in again.data and operations(again) > 0


def test_no_flashed_message_or_csrf_token_is_cached(app, client, auth, author, post):
    for path in ANONYMOUS_PAGES:
        assert b"csrf_token" not in client.get(path).data
    auth.login(email="author@example.com")
    assert b"csrf_token" in client.get("/").data
    logged_out = client.post("/auth/logout", follow_redirects=True)
    assert b"You have logged out." in logged_out.data
    assert b"You have logged out." not in client.get("/").data
    assert b"You have logged out." not in app.test_client().get("/").data
    assert b"csrf_token" not in app.test_client().get("/").data


def test_the_user_behind_a_session_is_cached_until_saved(app, client_for, author):
    writer = client_for(author)
    assert b"Ann Author" in writer.get("/settings/profile").data
    with app.app_context():
        User._get_collection().update_one({"_id": author.pk}, {"$set": {"name": "Behind"}})
    assert b"Ann Author" in writer.get("/settings/profile").data
    writer.post("/settings/profile", data={"name": "Saved Name"})
    assert b"Saved Name" in writer.get("/settings/profile").data


def test_a_role_change_applies_to_the_very_next_request(client_for, admin, make_user):
    other_admin = make_user(email="second@example.com", role="admin")
    demoted = client_for(other_admin)
    assert demoted.get("/admin/").status_code == 200
    client_for(admin).post(f"/admin/users/{other_admin.pk}/role", data={"role": "user"})
    assert demoted.get("/admin/").status_code == 403
    assert b">Admin<" not in demoted.get("/").data


def test_a_logged_out_session_cannot_be_replayed(app, client_for, author):
    writer = client_for(author)
    writer.get("/settings/profile")
    stolen = writer.get_cookie("session").value
    writer.post("/auth/logout")
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert replay.get("/settings/profile").status_code == 302


def test_a_visible_comment_shows_at_once_and_a_pending_one_changes_nothing(
        app, client, post, make_user, client_for):
    """Visitors' cached post page and cards: a comment that is held leaves them as they are
    (still served from the cache); an approved one shows on the next request."""
    reader = client_for(make_user(email="reader@example.com"))
    moderator = client_for(make_user(email="mod@example.com", role="moderator"))
    for path in ("/posts/first", "/"):
        client.get(path)
    reader.post("/posts/first/comments", data={"body": "Held for now."})
    for path in ("/posts/first", "/"):
        response = client.get(path)
        assert operations(response) == 0, f"{path} is still the cached page"
        assert "Held for now." not in response.get_data(as_text=True)
    with app.app_context():
        held = Comment.objects.get()
    moderator.post(f"/admin/comments/{held.pk}/status", data={"status": "visible"})
    page = client.get("/posts/first").get_data(as_text=True)
    assert "Held for now." in page and "1 comment</a>" in page
    assert ">1 comment</a>" in client.get("/").get_data(as_text=True)
    moderator.post("/posts/first/comments", data={"body": "Straight up."})
    assert "Straight up." in client.get("/posts/first").get_data(as_text=True)
