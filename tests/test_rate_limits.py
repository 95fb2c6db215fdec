"""Rate limits on signing up, writing and searching, with their default settings."""
import pytest

from blog.models import Post, User

LIMITS_ON = {"RATELIMIT_ENABLED": True}


def register(client, number):
    password = "a fine long password"
    return client.post("/auth/register", data={
        "email": f"reader{number}@example.com", "name": f"Reader {number}",
        "password": password, "password_confirm": password})


def from_address(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def write(client, title, **fields):
    return client.post("/posts/new", data={"title": title, "content": "Some *words*.",
                                           "tags": "", "status": "published", **fields})


@pytest.mark.parametrize("app_config", [LIMITS_ON])
def test_one_address_makes_at_most_ten_accounts_an_hour(app):
    visitor = from_address(app, "203.0.113.5")
    statuses = []
    for number in range(11):
        statuses.append(register(visitor, number).status_code)
        visitor.post("/auth/logout")
    assert statuses == [302] * 10 + [429]
    assert register(from_address(app, "203.0.113.6"), 99).status_code == 302
    with app.app_context():
        assert User.objects.count() == 11


@pytest.mark.parametrize("app_config", [LIMITS_ON])
def test_a_writer_creates_at_most_thirty_posts_an_hour(app, client_for, make_user):
    writer = client_for(make_user())
    assert {write(writer, f"Post {n}").status_code for n in range(30)} == {302}
    refused = write(writer, "One too many")
    assert refused.status_code == 429 and b"Too many requests" in refused.data
    assert write(writer, "Still previewing", preview="1").status_code == 200
    assert write(client_for(make_user()), "Someone else's").status_code == 302
    with app.app_context():
        assert Post.objects.count() == 31


@pytest.mark.parametrize("app_config", [LIMITS_ON])
def test_previews_and_saves_share_sixty_a_minute_per_writer(app, client_for, make_user,
                                                            make_post):
    author = make_user()
    post = make_post(author, title="Mine")
    writer = client_for(author)
    for number in range(30):
        assert write(writer, "Draft", preview="1").status_code == 200
        assert writer.post(f"/posts/{post.slug}/edit", data={
            "title": f"Mine {number}", "content": "Text.", "tags": "",
            "status": "published"}).status_code == 302
    assert write(writer, "Draft", preview="1").status_code == 429
    assert writer.post(f"/posts/{post.slug}/edit", data={
        "title": "Mine again", "content": "Text.", "tags": "",
        "status": "published"}).status_code == 429
    assert write(client_for(make_user()), "Draft", preview="1").status_code == 200


@pytest.mark.parametrize("app_config", [{**LIMITS_ON, "SEARCH_RATE_LIMIT": "3 per minute"}])
def test_the_search_page_and_the_api_share_one_search_limit(client, make_user, make_post):
    make_post(make_user(), title="Ink and paper")
    assert client.get("/search?q=ink").status_code == 200
    assert client.get("/api/posts?q=ink").status_code == 200
    assert client.get("/search?q=paper").status_code == 200
    assert client.get("/api/posts?q=ink").status_code == 429
    assert client.get("/search?q=ink").status_code == 429
    assert client.get("/api/posts").status_code == 200, "listing without a search is not one"


@pytest.mark.parametrize("app_config", [LIMITS_ON])
def test_publishing_and_restoring_count_against_the_same_budget(app, client_for, make_user,
                                                                make_post):
    author = make_user()
    post = make_post(author, title="Mine", status="draft")
    writer = client_for(author)
    for number in range(30):
        assert writer.post(f"/posts/{post.slug}/edit", data={
            "title": "Mine", "content": f"Version {number}.", "tags": "",
            "status": "draft"}).status_code == 302
    for _ in range(29):
        assert writer.post(f"/posts/{post.slug}/revisions/1/restore").status_code == 302
    assert writer.post(f"/posts/{post.slug}/publish").status_code == 302
    assert writer.post(f"/posts/{post.slug}/revisions/2/restore").status_code == 429
    assert writer.post(f"/posts/{post.slug}/publish").status_code == 429
