"""The writer's tools around a post: deleting with a confirmation first, the dashboard of
their posts, reading aids, and the metadata search engines and link previews read."""
import os
import re
import xml.etree.ElementTree as ElementTree
from datetime import datetime, timedelta, timezone

import pytest
import xmlschema

from blog.models import Post
from blog.models.base import utcnow
from blog.models.revision import Revision
from conftest import ROOT
from helpers import operations


def test_delete_asks_first_naming_what_goes_with_the_post(app, author, post, client_for):
    writer = client_for(author)
    with app.app_context():
        for words in ("Second words.", "Third words."):
            loaded = Post.objects.get(pk=post.pk)
            loaded.content = words
            loaded.save()
    show = writer.get("/posts/first").get_data(as_text=True)
    assert 'href="/posts/first/delete"' in show
    confirm = writer.get("/posts/first/delete")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Delete “First”?" in page and "2 earlier versions (revisions)" in page
    assert 'action="/posts/first/delete" method="post"' in page
    with app.app_context():
        assert Post.objects.count() == 1, "asking deletes nothing"
    response = writer.post("/posts/first/delete", follow_redirects=True)
    assert "“First” was deleted." in response.get_data(as_text=True)
    with app.app_context():
        assert Post.objects.count() == 0 and Revision.objects.count() == 0


def test_only_the_author_and_admins_see_the_delete_page(client, author, post, make_user,
                                                        client_for):
    moderator = client_for(make_user(email="mod@example.com", role="moderator"))
    assert moderator.get("/posts/first/delete").status_code == 403
    assert client_for(make_user(email="admin2@example.com", role="admin")).get(
        "/posts/first/delete").status_code == 200
    assert client.get("/posts/first/delete").status_code == 302


# The writer's dashboard

def _dashboard_titles(html):
    return re.findall(r'<td[^>]*><a href="/posts/[^"]+">([^<]+)</a></td>', html)


@pytest.fixture
def shelf(app, author, make_user, make_post):
    """The author's posts in every status, changed one after another, and someone else's."""
    later = utcnow() + timedelta(days=1)
    for title, status, fields in [("Old draft", "draft", {}), ("Out", "published", {}),
                                  ("Soon", "published", {"published_at": later}),
                                  ("Shelved", "archived", {}), ("New draft", "draft", {})]:
        make_post(author, title=title, status=status, **fields)
    make_post(make_user(email="other@example.com"), title="Not mine", status="draft")


def test_the_dashboard_lists_my_posts_newest_change_first_with_counts(author, shelf,
                                                                       client_for):
    writer = client_for(author)
    html = writer.get("/me/posts").get_data(as_text=True)
    assert _dashboard_titles(html) == ["New draft", "Shelved", "Soon", "Out", "Old draft"]
    counts = dict(re.findall(r'>(\w+) <span class="count">(\d+)</span>', html))
    assert counts == {"All": "5", "Draft": "2", "Scheduled": "1", "Published": "1",
                      "Archived": "1"}
    assert 'href="/posts/soon/edit"' in html and 'href="/posts/soon"' in html
    for status, titles in [("draft", ["New draft", "Old draft"]), ("scheduled", ["Soon"]),
                           ("published", ["Out"]), ("archived", ["Shelved"])]:
        page = writer.get(f"/me/posts?status={status}").get_data(as_text=True)
        assert _dashboard_titles(page) == titles, status
    assert 'href="/me/posts" class="nav-wide">My posts</a>' in writer.get("/").get_data(as_text=True)
    # On a phone the header leaves that link out; the writer's profile leads there.
    profile = writer.get(f"/users/{author.pk}").get_data(as_text=True)
    assert 'href="/me/posts">Your posts and drafts</a>' in profile


def test_an_edit_moves_a_post_to_the_top(author, shelf, client_for):
    writer = client_for(author)
    writer.post("/posts/old-draft/edit", data={"title": "Old draft", "content": "New words.",
                                               "tags": "", "status": "draft"})
    assert _dashboard_titles(writer.get("/me/posts").get_data(as_text=True))[0] == "Old draft"


@pytest.mark.parametrize("query", ["status=secret", "status=%7B%22%24gt%22%3A%22%22%7D",
                                   "status=" + "x" * 300, "page=0", "page=abc"])
def test_the_dashboard_refuses_bad_parameters(author, client_for, query):
    response = client_for(author).get(f"/me/posts?{query}")
    assert response.status_code == 400


def test_the_dashboard_needs_a_login_and_costs_the_same_however_many_posts(
        client, author, make_post, client_for):
    assert client.get("/me/posts").status_code == 302
    writer = client_for(author)
    make_post(author, title="One")
    writer.get("/me/posts")
    few = operations(writer.get("/me/posts"))
    for number in range(15):
        make_post(author, title=f"More {number}", status="draft")
    assert operations(writer.get("/me/posts")) == few


# Reading aids

def test_reading_time_and_the_updated_date(app, client, author, make_post, client_for):
    make_post(author, title="Long", content="word " * 650)
    page = client.get("/posts/long").get_data(as_text=True)
    assert "4 min read" in page and "updated" not in page
    with app.app_context():
        Post.objects(slug="long").update_one(
            set__published_at=datetime(2024, 1, 2, tzinfo=timezone.utc))
    client_for(author).post("/posts/long/edit", data={
        "title": "Long", "content": "word " * 100, "tags": "", "status": "published"})
    page = client.get("/posts/long").get_data(as_text=True)
    assert "1 min read" in page
    assert f"updated <time" in page and utcnow().strftime("%-d %B %Y") in page


def test_up_to_three_related_posts_most_shared_tags_then_newest(client, author, make_post):
    make_post(author, title="Subject", tags=["tea", "cups", "water"])
    make_post(author, title="Two shared", tags=["tea", "cups"],
              published_at=datetime(2020, 1, 1, tzinfo=timezone.utc))
    make_post(author, title="One shared, newer", tags=["water"])
    make_post(author, title="One shared, older", tags=["tea"],
              published_at=datetime(2021, 1, 1, tzinfo=timezone.utc))
    make_post(author, title="One shared, oldest", tags=["cups"],
              published_at=datetime(2019, 1, 1, tzinfo=timezone.utc))
    make_post(author, title="Unrelated", tags=["coffee"])
    make_post(author, title="Draft", tags=["tea", "cups", "water"], status="draft")
    make_post(author, title="Scheduled", tags=["tea", "cups", "water"],
              published_at=utcnow() + timedelta(days=1))
    page = client.get("/posts/subject").get_data(as_text=True)
    related = page[page.index('aria-label="Related posts"'):]
    assert re.findall(r'<li><a href="/posts/[^"]+">([^<]+)</a>', related) == [
        "Two shared", "One shared, newer", "One shared, older"]


def test_related_posts_cost_one_query(client, author, make_post):
    make_post(author, title="Subject", tags=["tea"])
    alone = operations(client.get("/posts/subject"))
    make_post(author, title="Other", tags=["tea"])
    make_post(author, title="Untagged")
    assert operations(client.get("/posts/other", headers={"Cookie": "x=1"})) == alone
    assert operations(client.get("/posts/untagged", headers={"Cookie": "x=1"})) == alone - 1


# Metadata for search engines and link previews

@pytest.mark.parametrize("path", ["/", "/?page=1", "/tags/", "/tags/ink", "/posts/first",
                                  "/search?q=first", "/auth/login", "/nothing-here"])
def test_every_page_has_a_canonical_link_and_a_description(client, post, path):
    html = client.get(path).get_data(as_text=True)
    canonical = re.findall(r'<link rel="canonical" href="([^"]+)">', html)
    expected = "http://localhost" + path.replace("?page=1", "")
    assert canonical == [expected]
    description = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert len(description) == 1 and len(description[0]) > 10


def test_the_canonical_link_drops_parameters_that_do_not_change_the_page(client, post):
    html = client.get("/search?q=first&utm_source=x&page=1").get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/search?q=first">' in html


def test_a_post_page_has_open_graph_and_a_twitter_card(client, author, make_post):
    make_post(author, title="Tea & <cups>", content="About **tea**, hot.", tags=["tea", "cups"])
    html = client.get("/posts/tea-cups").get_data(as_text=True)
    meta = dict(re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">', html))
    assert meta["og:title"] == "Tea &amp; &lt;cups&gt;"
    assert meta["og:type"] == "article" and meta["og:url"] == "http://localhost/posts/tea-cups"
    assert meta["og:description"] == meta["description"] == "About tea, hot."
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z",
                        meta["article:published_time"])
    assert re.findall(r'<meta property="article:tag" content="([^"]+)">', html) == ["tea",
                                                                                 "cups"]
    assert meta["twitter:card"] == "summary" and meta["twitter:title"] == meta["og:title"]


# The sitemap and robots.txt

SITEMAP_XSD = os.path.join(ROOT, "node_modules", "sitemap", "schema", "sitemap.xsd")
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def sitemap_schema():
    if not os.path.exists(SITEMAP_XSD):
        pytest.fail(f"the sitemap schema is missing at {SITEMAP_XSD}: run `make test` "
                    "(or `npm ci`), which installs it")
    return xmlschema.XMLSchema(SITEMAP_XSD)


def test_the_sitemap_lists_visible_posts_and_tag_pages_valid_against_the_schema(
        client, author, make_post):
    make_post(author, title="Out", tags=["tea", "cups"])
    make_post(author, title="Draft", tags=["secret"], status="draft")
    make_post(author, title="Soon", tags=["later"], published_at=utcnow() + timedelta(days=1))
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    sitemap_schema().validate(response.data.decode())
    root = ElementTree.fromstring(response.data)
    urls = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
            for url in root.iter(f"{SITEMAP}url")}
    assert set(urls) == {"http://localhost/", "http://localhost/posts/out",
                         "http://localhost/tags/tea", "http://localhost/tags/cups"}
    assert urls["http://localhost/posts/out"].startswith(utcnow().strftime("%Y-%m-%d"))


def test_the_sitemap_of_a_big_blog_is_valid_and_costs_a_fixed_number_of_operations(
        client, author, make_post):
    make_post(author, title="A & B <c>", tags=["c++", "c#", "x y"])
    few = operations(client.get("/sitemap.xml"))
    for number in range(20):
        make_post(author, title=f"Post {number}", tags=[f"tag {number}"])
    response = client.get("/sitemap.xml")
    assert operations(response) == few
    sitemap_schema().validate(response.data.decode())


def test_robots_txt_names_the_sitemap_and_keeps_crawlers_out_of_private_pages(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    for path in ("/admin", "/settings", "/auth", "/search"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines
