"""The Atom feeds as a feed reader sees them (feedparser): exact RFC 4287, with addresses
from SITE_URL whatever Host a request sends."""
from datetime import timedelta

import feedparser
import pytest

from blog import create_app, disconnect_db
from blog.config import ConfigurationError
from blog.models.base import utcnow
from conftest import make_config

SITE = "https://blog.example.org"


@pytest.fixture
def app_config():
    return {"SITE_URL": SITE + "/"}


def read_feed(client, path, host="elsewhere.example"):
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 200, path
    feed = feedparser.parse(response.data)
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    return feed


def test_the_demo_blogs_feeds_are_exact_atom(runner, client):
    result = runner.invoke(args=["seed", "demo", "--users", "6", "--posts", "40", "--seed", "3"])
    assert result.exit_code == 0, result.output
    whole = read_feed(client, "/feed.atom")
    tag = whole.entries[0].tags[0].term
    for feed in (whole, read_feed(client, f"/tags/{tag}/feed.atom")):
        assert feed.entries
        newest = max(entry.updated_parsed for entry in feed.entries)
        assert feed.feed.updated_parsed == newest
        for entry in feed.entries:
            assert entry.updated_parsed >= entry.published_parsed, entry.title
            assert entry.id.startswith(f"{SITE}/posts/") and entry.link == entry.id
            assert entry.author_detail.href.startswith(f"{SITE}/users/")
        assert feed.feed.author == "Inkwell"
        assert feed.feed.id.startswith(SITE) and feed.feed.link.startswith(SITE)


def test_a_post_published_on_a_schedule_was_updated_when_it_appeared(make_user, make_post, client):
    written = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    appeared = written + timedelta(days=2)
    make_post(make_user(), title="Planned", created_at=written, updated_at=written,
              published_at=appeared)
    entry = read_feed(client, "/feed.atom").entries[0]
    assert entry.published == entry.updated == appeared.isoformat().replace("+00:00", "Z")


def test_relative_links_and_images_in_posts_are_absolute(make_user, make_post, client):
    make_post(make_user(), title="Links", content="See [the other](/posts/other), "
              "[a sibling](sibling), [the top](#top) and ![a cat](/media/abc123).\n\n"
              "[Outside](https://example.net/page)")
    content = read_feed(client, "/feed.atom").entries[0].content[0].value
    assert f'href="{SITE}/posts/other"' in content
    assert f'href="{SITE}/posts/sibling"' in content
    assert f'href="{SITE}/posts/links#top"' in content
    assert f'src="{SITE}/media/abc123"' in content
    assert 'href="https://example.net/page"' in content


def test_a_tag_no_visible_post_has_has_no_feed(make_user, make_post, client):
    make_post(make_user(), title="Kept quiet", tags=["secret"], status="draft")
    for tag in ("nothing-here", "secret", "%7B%22%24gt%22%3A%22%22%7D"):
        response = client.get(f"/tags/{tag}/feed.atom")
        assert response.status_code == 404
        assert b"no feed" in response.data


def test_an_empty_blogs_feed_is_still_a_valid_feed(client):
    feed = read_feed(client, "/feed.atom")
    assert feed.entries == [] and feed.feed.updated_parsed is not None


def test_addresses_ignore_the_host_a_request_names(make_user, make_post, client):
    make_post(make_user(), title="Hosted", tags=["ink"])
    for path in ("/feed.atom", "/tags/ink/feed.atom", "/sitemap.xml", "/robots.txt",
                 "/posts/hosted"):
        text = client.get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
        assert "evil.example" not in text, path
        assert SITE in text, path
    page = client.get("/posts/hosted?utm=x", headers={"Host": "evil.example"})
    assert f'<link rel="canonical" href="{SITE}/posts/hosted">' in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["blog.example.org", "ftp://blog.example.org",
                                   "https://", "https://blog.example.org/?a=1",
                                   "https://blog.example.org:port", "https://u:p@example.org",
                                   "https://blog.example.org/#top", 42])
def test_a_site_url_that_is_not_an_address_is_refused_at_start(value):
    with pytest.raises(ConfigurationError, match="SITE_URL must be the blog's address"):
        create_app(make_config(SITE_URL=value))


def test_without_site_url_addresses_follow_the_request():
    app = create_app(make_config())
    try:
        response = app.test_client().get("/feed.atom", base_url="https://here.example")
    finally:
        disconnect_db(app)
    assert feedparser.parse(response.data).feed.id == "https://here.example/feed.atom"
