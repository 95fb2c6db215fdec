"""Writing, reading and finding posts."""
import re
import time
from xml.etree import ElementTree

import pytest

from blog.models import Post, User


def new_post(client, **fields):
    data = {"title": "Hello world", "content": "Some *words*.", "tags": "", "status": "published"}
    data.update(fields)
    return client.post("/posts/new", data=data)


@pytest.fixture
def writer(auth):
    auth.register()
    return auth


def test_writing_a_post_publishes_it(client, writer, app):
    response = new_post(client, title="  My   first post ", tags=" Flask, MongoDB ,flask,, ")
    assert response.status_code == 302 and response.location == "/posts/my-first-post"
    page = client.get("/posts/my-first-post")
    assert b"My first post" in page.data and b"<em>words</em>" in page.data
    with app.app_context():
        post = Post.objects.get()
        assert post.tags == ["flask", "mongodb"]
        assert post.published_at is not None
    assert b"My first post" in client.get("/").data


def test_slugs_are_unique_and_permanent(client, writer):
    slugs = [new_post(client, title="Same title").location.rsplit("/", 1)[-1]
             for _ in range(3)]
    assert slugs[0] == "same-title" and len(set(slugs)) == 3
    assert all(re.fullmatch(r"same-title-[a-z0-9]{4}", slug) for slug in slugs[1:])
    for slug in slugs:
        assert client.get(f"/posts/{slug}").status_code == 200
    client.post("/posts/same-title/edit", data={"title": "A new title", "content": "x",
                                                "tags": "", "status": "published"})
    assert b"A new title" in client.get("/posts/same-title").data


def test_a_slug_tells_nothing_about_someone_elses_draft(client, writer, make_user, make_post):
    make_post(make_user(), title="Secret plans", status="draft")
    slug = new_post(client, title="Secret plans").location.rsplit("/", 1)[-1]
    # Not "-2", which would say that a post of that title exists and is hidden.
    assert re.fullmatch(r"secret-plans-[a-z0-9]{4}", slug) and not slug.endswith("-2")


def test_published_at_is_set_on_first_publication_only(client, writer, app):
    new_post(client, status="draft")
    with app.app_context():
        assert Post.objects.get().published_at is None
    edit = {"title": "Hello world", "content": "x", "tags": "", "status": "published"}
    client.post("/posts/hello-world/edit", data=edit)
    with app.app_context():
        first = Post.objects.get().published_at
        assert first is not None
    client.post("/posts/hello-world/edit", data=dict(edit, status="archived"))
    client.post("/posts/hello-world/edit", data=dict(edit, status="published"))
    with app.app_context():
        assert Post.objects.get().published_at == first


@pytest.mark.parametrize("fields, message", [
    ({"title": ""}, b"This field is required."),
    ({"title": "   "}, b"Give the post a title."),
    ({"title": "t" * 201}, b"Field cannot be longer than 200 characters."),
    ({"tags": ",".join(f"t{i}" for i in range(11))}, b"Use at most 10 tags."),
    ({"tags": "x" * 31}, b"longer than 30 characters"),
    ({"tags": "<script>"}, b"may only hold letters"),
    ({"status": "secret"}, b"Not a valid choice"),
])
def test_bad_posts_are_refused_with_a_reason(client, writer, app, fields, message):
    response = new_post(client, **fields)
    assert response.status_code == 400
    assert message in response.data
    with app.app_context():
        assert Post.objects.count() == 0


def test_a_two_megabyte_post_is_too_large(client, writer):
    response = new_post(client, content="x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert b"too large" in response.data


XSS_CONTENT = """<script>alert(1)</script>
<img src=x onerror=alert(2)>
[click](javascript:alert(3))
[data](data:text/html;base64,PHNjcmlwdD4=)
<iframe src="https://evil.com"></iframe>
<p style="color:red" onclick="alert(4)">styled</p>
[fine](https://example.com)
"""


def test_markdown_is_sanitised(client, writer):
    new_post(client, title="<script>alert('t')</script>", content=XSS_CONTENT)
    html = client.get("/posts/script-alert-t-script").get_data(as_text=True)
    article = html[html.index("<article"):html.index("</article>")]
    assert "<script>" not in article
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;" in article
    tags = re.findall(r"<[a-z][^>]*>", article)
    for forbidden in ("<script", "onerror", "onclick", "javascript:", "data:", "<iframe",
                      "style="):
        assert not any(forbidden in tag for tag in tags), forbidden
    assert 'href="https://example.com" rel="noopener noreferrer"' in article


def test_names_and_tags_are_escaped_in_lists(client, auth, app):
    auth.register(name="<b>Bold</b> Ann")
    new_post(client, title="<i>x</i>", tags="c#, c++")
    home = client.get("/").get_data(as_text=True)
    assert "<b>Bold</b>" not in home and "&lt;b&gt;Bold&lt;/b&gt; Ann" in home
    assert "<i>x</i>" not in home and "&lt;i&gt;x&lt;/i&gt;" in home
    assert client.get("/tags/c%23").status_code == 200


class TestPermissions:
    @pytest.fixture
    def post(self, make_user, make_post):
        return make_post(make_user(email="author@example.com"), title="Owned", status="published")

    @pytest.fixture
    def login_as(self, app, auth, make_user):
        def login(role):
            make_user(email=f"{role}@example.com", role=role)
            auth.login(email=f"{role}@example.com")
        return login

    EDIT = {"title": "Changed", "content": "changed", "tags": "", "status": "published"}

    @pytest.mark.parametrize("role, can_edit, can_delete", [
        ("user", False, False), ("moderator", True, False), ("admin", True, True)])
    def test_roles(self, client, app, post, login_as, role, can_edit, can_delete):
        login_as(role)
        response = client.post("/posts/owned/edit", data=self.EDIT)
        assert response.status_code == (302 if can_edit else 403)
        with app.app_context():
            assert Post.objects.get().title == ("Changed" if can_edit else "Owned")
        response = client.post("/posts/owned/delete")
        assert response.status_code == (302 if can_delete else 403)
        with app.app_context():
            assert Post.objects.count() == (0 if can_delete else 1)

    def test_the_author_can_edit_and_delete(self, client, auth, post):
        auth.login(email="author@example.com")
        assert client.post("/posts/owned/edit", data=self.EDIT).status_code == 302
        assert client.post("/posts/owned/delete").status_code == 302
        assert client.get("/posts/owned").status_code == 404

    def test_only_a_post_deletes(self, client, auth, post):
        """HEAD (a link checker's, a prefetcher's) only asks, as GET does, and needs no CSRF
        token: it never deletes."""
        auth.login(email="author@example.com")
        assert client.head("/posts/owned/delete").status_code == 200
        assert client.get("/posts/owned").status_code == 200

    def test_anonymous_visitors_are_sent_to_log_in(self, client, post):
        for url in ("/posts/new", "/posts/owned/edit"):
            response = client.get(url)
            assert response.status_code == 302 and "/auth/login?next=" in response.location
        assert client.post("/posts/owned/delete").status_code == 302


@pytest.mark.parametrize("status", ["draft", "archived"])
def test_unpublished_posts_are_private(client, auth, make_user, make_post, status):
    author = make_user(email="author@example.com")
    make_post(author, title="Secret", status=status, tags=["hidden"])
    assert client.get("/posts/secret").status_code == 404
    for url in ("/", "/tags/hidden", "/feed.atom", "/tags/hidden/feed.atom", "/tags/",
                f"/users/{author.pk}", "/api/posts"):
        assert b"Secret" not in client.get(url).data, url
    make_user(email="other@example.com")
    auth.login(email="other@example.com")
    assert client.get("/posts/secret").status_code == 404
    auth.logout()
    auth.login(email="author@example.com")
    assert client.get("/posts/secret").status_code == 200
    assert b"Secret" in client.get(f"/users/{author.pk}").data
    auth.logout()
    make_user(email="boss@example.com", role="admin")
    auth.login(email="boss@example.com")
    assert client.get("/posts/secret").status_code == 200


def titles(response):
    return re.findall(r'<h2 class="card-title"><a href="/posts/[^"]+">([^<]+)</a>',
                      response.get_data(as_text=True))


def test_home_pages_ten_posts_newest_first(client, make_user, make_post):
    author = make_user()
    for number in range(23):
        make_post(author, title=f"Post {number:02d}")
    first = titles(client.get("/"))
    assert first == [f"Post {n:02d}" for n in range(22, 12, -1)]
    assert titles(client.get("/?page=3")) == ["Post 02", "Post 01", "Post 00"]
    pager = client.get("/?page=2").get_data(as_text=True)
    assert 'aria-current="page">2<' in pager and 'href="/?page=3"' in pager


@pytest.mark.parametrize("page, statuses", [
    ("0", {400}), ("-1", {400}), ("abc", {400}), ("1.5", {400}), ("%00", {400}),
    ("١", {400}), ("99", {404}), (str(10**9), {400, 404}), (str(10**30), {400, 404}),
])
def test_bad_page_numbers_never_fail(client, make_user, make_post, page, statuses):
    author = make_user()
    make_post(author, title="A post")
    for url in ("/", "/tags/x", "/api/posts", "/search?q=post", f"/users/{author.pk}"):
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}page={page}")
        assert response.status_code in statuses, url


def test_tag_pages_and_cloud(client, make_user, make_post):
    author = make_user()
    make_post(author, title="One", tags=["flask", "python"])
    make_post(author, title="Two", tags=["flask"])
    make_post(author, title="Three", tags=["flask"], status="draft")
    page = client.get("/tags/Flask")
    assert titles(page) == ["Two", "One"] and b"2 posts" in page.data
    cloud = client.get("/tags/").get_data(as_text=True)
    assert re.search(r'flask <span class="count">2</span>', cloud)
    assert re.search(r'python <span class="count">1</span>', cloud)


def test_atom_feeds(client, make_user, make_post):
    author = make_user(name="Feed Writer")
    make_post(author, title="Feed <me>", content="Hello **feed**", tags=["news"])
    make_post(author, title="Elsewhere", tags=["other"])
    feed = client.get("/feed.atom")
    assert feed.status_code == 200
    assert feed.content_type.startswith("application/atom+xml")
    text = feed.get_data(as_text=True)
    assert "<title>Feed &lt;me&gt;</title>" in text and "Elsewhere" in text
    assert "&lt;strong&gt;feed&lt;/strong&gt;" in text
    assert "<name>Feed Writer</name>" in text
    tag_feed = client.get("/tags/news/feed.atom").get_data(as_text=True)
    assert "Feed &lt;me&gt;" in tag_feed and "Elsewhere" not in tag_feed


def test_preview_renders_without_saving(client, writer, app):
    response = client.post("/posts/new", data={"title": "Draft", "content": "**bold**",
                                               "tags": "", "status": "draft", "preview": "1"})
    assert response.status_code == 200
    assert b"<strong>bold</strong>" in response.data and b"has not been saved" in response.data
    with app.app_context():
        assert Post.objects.count() == 0


def test_control_characters_never_reach_a_post_or_the_feed(client, writer, app):
    response = new_post(client, title="Control \x01 char", tags="tea\x00, news",
                        content="Keeps\ttabs\r\nand lines\x00\x1b\x9f.")
    assert response.status_code == 302
    with app.app_context():
        post = Post.objects.get()
        assert post.title == "Control char" and post.tags == ["tea", "news"]
        assert post.content == "Keeps\ttabs\nand lines."
    feed = ElementTree.fromstring(client.get("/feed.atom").data)
    titles = [title.text for title in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert "Control char" in titles


def test_previewing_thousands_of_quotes_is_quick(client, writer):
    started = time.perf_counter()
    response = new_post(client, content="'\"" * 50_000, preview="1")
    assert time.perf_counter() - started < 2
    assert response.status_code == 200 and "&#39;&#34;&#39;&#34;" in response.get_data(as_text=True)


def test_text_too_costly_to_format_is_refused_quickly_and_nothing_is_saved(client, writer, app):
    for extra in ({"preview": "1"}, {}):
        started = time.perf_counter()
        response = new_post(client, content="![" * 50_000, **extra)
        assert time.perf_counter() - started < 2
        assert response.status_code == 400
        assert "more formatting than can be shown at once" in response.get_data(as_text=True)
    with app.app_context():
        assert Post.objects.count() == 0


def test_operator_values_are_plain_text(client, writer, app):
    response = client.get("/posts/%7B%22%24gt%22%3A%20%22%22%7D")
    assert response.status_code == 404
    response = client.get("/api/posts", query_string={"author": '{"$gt": ""}'})
    assert response.status_code == 400
    response = client.get("/tags/%7B%22%24ne%22%3A1%7D")
    assert response.status_code == 200 and b"No published post" in response.data
    with app.app_context():
        assert User.objects.count() == 1


def test_excerpts_keep_punctuation_against_bold_words_and_links(make_user, make_post, client):
    make_post(make_user(), title="Starters", content="Feed it **daily**. See [the guide]"
              "(https://example.org), then `stir`!\n\nNext paragraph.")
    card = client.get("/").get_data(as_text=True)
    assert "Feed it daily. See the guide, then stir! Next paragraph." in card


POST_WITH_CODE = ("## Why caching\n\nMost of the time the simple version wins.\n\n"
                  "```python\ndef paginate(items):\n    return items[:10]\n```\n\n"
                  "## Caching and logging\n\nMeasure first.")


def test_excerpts_are_prose_without_code_or_headings(make_user, make_post, client):
    make_post(make_user(), title="Caching", content=POST_WITH_CODE, tags=["perf"])
    for url, pattern in (("/", r'<p class="excerpt">\s*(.*?)\s*</p>'),
                         ("/search?q=simple", r'<p class="excerpt">\s*(.*?)\s*</p>'),
                         ("/feed.atom", r"<summary>(.*?)</summary>")):
        shown = re.search(pattern, client.get(url).get_data(as_text=True), re.S)[1]
        shown = re.sub(r"</?mark>", "", shown)
        assert shown == "Most of the time the simple version wins. Measure first.", url


def test_reindex_brings_old_excerpts_up_to_date(app, runner, make_user, make_post, client):
    post = make_post(make_user(), title="Caching", content=POST_WITH_CODE)
    with app.app_context():
        Post.objects(pk=post.pk).update_one(set__excerpt="Why caching Most of the time")
    assert runner.invoke(args=["search", "reindex"]).exit_code == 0
    assert "Most of the time the simple version wins. Measure first." in \
        client.get("/").get_data(as_text=True)



def test_reindex_renders_posts_saved_under_earlier_rules(app, runner, make_user, make_post,
                                                        client):
    """A post saved before remote images became links shows them as links once reindexed,
    at once, also to a reader whose page was cached."""
    post = make_post(make_user(), title="Elsewhere",
                     content="A picture: ![the view](https://elsewhere.example/view.png)")
    with app.app_context():
        Post.objects(pk=post.pk).update_one(
            set__html='<p>A picture: <img src="https://elsewhere.example/view.png" '
                      'alt="the view"></p>')
    assert '<img src="https://elsewhere.example/view.png"' in \
        client.get(f"/posts/{post.slug}").get_data(as_text=True)
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0 and "Reindexed 1 post." in result.output
    page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
    assert "<img src=\"https://elsewhere.example" not in page
    assert 'href="https://elsewhere.example/view.png"' in page

def test_a_page_past_the_last_is_a_404_with_a_link_to_the_last(client, make_user, make_post):
    author = make_user()
    for number in range(23):
        make_post(author, title=f"Post {number:02d}", tags=["t"])
    for url, last in (("/?page=9999", "/?page=3"), ("/tags/t?page=4", "/tags/t?page=3"),
                      (f"/users/{author.pk}?page=5", f"/users/{author.pk}?page=3")):
        response = client.get(url)
        assert response.status_code == 404, url
        html = response.get_data(as_text=True)
        assert "the last page is 3." in html
        assert f'<a class="button" href="{last}">Go to the last page (3)</a>' in html
    body = client.get("/api/posts?page=9").get_json()
    assert body["error"] == {"code": "not_found",
                             "message": "There is no page 9: the last page is 3."}


def test_pager_links_ignore_parameters_that_would_change_them(client, make_user, make_post):
    author = make_user()
    for number in range(11):
        make_post(author, title=f"Post {number}", tags=["t"])
    for url in ("/?endpoint=x&_external=1&_anchor=a", "/tags/t?tag=y&endpoint=z"):
        response = client.get(url)
        assert response.status_code == 200, url
        links = re.findall(r'<a href="([^"]*page=2[^"]*)"', response.get_data(as_text=True))
        assert links and all(link.startswith("/") and "//" not in link for link in links)


@pytest.mark.parametrize("title, slug", [
    ("Привет мир", "privet-mir"),
    ("Søren's notes", "soren-s-notes"),
    ("你好，世界", "ni-hao-shi-jie"),
    ("Γειά σου Κόσμε", "geia-sou-kosme"),
    ("Crème brûlée & co.", "creme-brulee-co"),
    ("💥💥", "post"),
    ("word " * 40, "-".join(["word"] * 16)),
])
def test_titles_in_any_script_get_readable_slugs(client, writer, title, slug):
    response = new_post(client, title=title)
    assert response.location == f"/posts/{slug}"
    assert client.get(f"/posts/{slug}").status_code == 200


def test_readable_slugs_still_never_collide(client, writer):
    first = new_post(client, title="Привет мир").location
    second = new_post(client, title="Privet Mir").location
    assert first == "/posts/privet-mir"
    assert re.fullmatch(r"/posts/privet-mir-[a-z0-9]{4}", second)
