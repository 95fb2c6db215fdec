"""How pages and files travel: compressed for clients that accept it (cached pages too),
and stylesheets under addresses that change with their content, kept for a year."""
import gzip
import re

import brotli
import pytest
from flask import url_for

from blog.web.fingerprints import FOREVER
from conftest import PASSWORD
from pages import build_site, page_urls

BROWSER = {"Accept-Encoding": "gzip, deflate, br"}
ONLY_GZIP = {"Accept-Encoding": "gzip"}


@pytest.fixture
def blog(make_user, make_post):
    author = make_user(name="Writer")
    for number in range(12):
        make_post(author, title=f"Compressed post {number}", tags=["ink"],
                  content="Words that repeat compress well. " * 40 + "\n\n```python\nx = 1\n```")
    return author


def decode(response):
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    if encoding == "br":
        return brotli.decompress(data)
    if encoding == "gzip":
        return gzip.decompress(data)
    assert encoding is None, encoding
    return data


@pytest.mark.parametrize("path", ["/", "/posts/compressed-post-3", "/tags/ink", "/feed.atom",
                                  "/api/posts", "/sitemap.xml", "/static/css/site.css",
                                  "/code.css"])
def test_text_is_compressed_for_clients_that_accept_it(client, blog, path):
    plain = client.get(path)
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    for headers, encoding in ((BROWSER, "br"), (ONLY_GZIP, "gzip")):
        packed = client.get(path, headers=headers)
        assert packed.headers["Content-Encoding"] == encoding, path
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert len(packed.get_data()) < len(plain.get_data()) / 2
        assert decode(packed) == plain.get_data()


def test_pages_from_the_cache_are_compressed_for_those_who_accept_it_only(client, blog):
    first = client.get("/", headers=BROWSER)  # stored in the page cache
    assert first.headers["Content-Encoding"] == "br"
    again = client.get("/", headers=BROWSER)
    assert again.headers["Server-Timing"].startswith('db;desc="0 operations"')
    assert again.headers["Content-Encoding"] == "br" and decode(again) == decode(first)
    assert "Accept-Encoding" in again.headers["Vary"] and "Cookie" in again.headers["Vary"]
    plain = client.get("/")
    assert plain.headers["Server-Timing"].startswith('db;desc="0 operations"')
    assert "Content-Encoding" not in plain.headers and plain.get_data() == decode(first)
    assert client.get("/", headers=ONLY_GZIP).headers["Content-Encoding"] == "gzip"


def test_small_answers_and_images_are_left_alone(client):
    response = client.get("/healthz", headers=BROWSER)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    response = client.get("/static/favicon.svg", headers=BROWSER)
    assert "Content-Encoding" not in response.headers or len(response.get_data()) >= 500


def stylesheet_links(html):
    return re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)


def test_stylesheets_have_fingerprinted_addresses_kept_for_a_year(client, blog):
    html = client.get("/posts/compressed-post-1").get_data(as_text=True)
    links = stylesheet_links(html)
    assert len(links) == 2
    icon = re.search(r'<link rel="icon" type="image/svg\+xml" href="([^"]+)">', html).group(1)
    for address in [*links, icon]:
        assert re.fullmatch(r"/[\w/.]+\?v=[0-9a-f]{12}", address), address
        response = client.get(address)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == FOREVER
        # The same file under another fingerprint, or none (an old page's link), is
        # checked again every time.
        path = address.split("?")[0]
        for stale in (path, f"{path}?v=000000000000"):
            assert client.get(stale).headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_address(app, tmp_path, client):
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "site.css"
    sheet.write_text("body { color: black; }")
    app.static_folder = str(tmp_path)
    with app.test_request_context():
        before = url_for("static", filename="css/site.css")
        sheet.write_text("body { color: navy; }")
        after = url_for("static", filename="css/site.css")
        missing = url_for("static", filename="css/nothing.css")
        outside = url_for("static", filename="../secret.css")
    assert before != after and before.startswith("/static/css/site.css?v=")
    assert client.get(after).headers["Cache-Control"] == FOREVER
    assert client.get(before).headers["Cache-Control"] == "no-cache"
    assert "?v=" not in missing and "?v=" not in outside


@pytest.mark.parametrize("role", ["visitor", "user", "admin"])
def test_every_page_has_a_description_and_the_icon_and_travels_compressed(
        app, make_user, make_post, role):
    """Every page of every GET route (tests/pages.py), error pages included."""
    site = build_site(app, make_user, make_post)
    client = app.test_client()
    if role != "visitor":
        client.post("/auth/login", data={"email": site.emails[role], "password": PASSWORD})
    checked = set()
    for endpoint, url in page_urls(app, site):
        response = client.get(url, headers=BROWSER)
        if response.mimetype != "text/html" or 300 <= response.status_code < 400:
            continue
        html = decode(response).decode()
        descriptions = re.findall(r'<meta name="description" content="([^"]*)">', html)
        assert len(descriptions) == 1 and descriptions[0].strip(), url
        assert re.search(r'<link rel="icon" type="image/svg\+xml" '
                         r'href="/static/favicon\.svg\?v=[0-9a-f]{12}">', html), url
        if response.status_code == 200:
            assert response.headers["Content-Encoding"] == "br", url
        checked.add(endpoint)
    assert {"posts.index", "posts.show", "search.results", "users.profile"} <= checked
    if role == "visitor":
        assert {"auth.login", "auth.register"} <= checked
    if role == "admin":
        assert {"admin.dashboard", "admin.audit", "admin.users"} <= checked
