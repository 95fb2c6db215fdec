"""Every page of the blog, found from the app's routes, for checks that visit them all.

``build_site`` fills the database with what a lived-in blog has (long names,
long posts with code and tables, drafts, edits in the history, kudos), and
gives real values for the routes' path arguments. ``page_urls`` turns every
GET route of ``app.url_map`` into addresses with those values, so a page added
later is visited without being listed here; a route whose argument has no
value fails, naming it, rather than being left out. ``walk`` visits them in a
browser as a visitor, a user or an admin, and hands each HTML page to a check.
"""
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bson import ObjectId
from werkzeug.datastructures import FileStorage

from blog.media.operations import store_image
from blog.models import User
from blog.models.comment import Comment
from blog.services import tokens
from conftest import PASSWORD
from images import image_bytes, upload

ROLES = ("visitor", "user", "admin")
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
WRITER_NAME = "Katherine Spärck Jones"
WRITER_EMAIL = "katherine.sparck.jones.writes.often@example.com"
LONG_POST = ("## Why caching matters\n\n"
             + "Caching is easy; knowing when the cached answer is wrong is the hard part. " * 12
             + "\n\n```python\ndef paginate(items, page, size=10):\n    start = (page - 1) * size"
             "  # a long line of code that is wider than any phone: " + "x" * 80 + "\n```\n\n"
             "| setting | default | meaning |\n|---|---|---|\n| CACHE_DEFAULT_TIMEOUT | 300 | "
             "seconds a cached page or user lookup is kept at most |\n\n"
             "See https://example.com/a/very/long/address/that/does/not/break/anywhere/at/all"
             "/because/it/has/no/spaces/in/it/whatsoever for more.")


@dataclass
class Site:
    """The people of the site, and real values for each path argument by name."""
    emails: dict
    values: dict = field(default_factory=dict)
    # Query strings that show a page at its fullest (a search with results).
    queries: dict = field(default_factory=dict)


def build_site(app, make_user, make_post):
    """A blog in use: an admin, a writer with a long name, a reader; published posts,
    drafts and an archived post; edits, a role change and kudos in the history."""
    # A name as long as the header shows: the links must still fit a phone's width.
    admin = make_user(email="admin@example.com", name="Adelaide Administrator", role="admin")
    writer = make_user(email=WRITER_EMAIL, name=WRITER_NAME)
    reader = make_user(email="reader@example.com", name="Rasmus Reader")
    tags = ["caching", "performance", "zero-downtime deploys", "python"]
    long_post = make_post(writer, title="Why caching matters more than you think, and what "
                          "to do about invalidation in a busy newsroom", content=LONG_POST,
                          tags=tags)
    for number in range(14):
        make_post(writer if number % 3 else admin, title=f"Notes on caching, part {number + 1}",
                  content="Small pull requests get better reviews. " * 6, tags=tags[number % 4:])
    draft = make_post(writer, title="A draft about connection pools", status="draft",
                      content="Not finished.", tags=["databases"])
    make_post(reader, title="An archived note", status="archived", content="Old news.")

    writer_client = app.test_client()
    writer_client.post("/auth/login", data={"email": WRITER_EMAIL, "password": PASSWORD})
    writer_client.post(f"/posts/{long_post.slug}/edit", data={
        "title": long_post.title, "content": LONG_POST + " Updated at the very end.",
        "tags": ", ".join(tags), "status": "published"})
    writer_client.post(f"/users/{reader.pk}/kudos", data={"points": "15"})
    # A post with a cover and an image in its text, and an avatar for the writer (set
    # directly, so that the history's only edit stays the one above).
    picture, cover = (writer_client.post("/media", data={"file": upload(data, name)},
                                         headers={"Accept": "application/json"}
                                         ).get_json()["data"]
                      for data, name in ((image_bytes("JPEG", 900, 600), "harbour at dawn.jpg"),
                                         (image_bytes("PNG", 1200, 630), "cover.png")))
    make_post(writer, title="The harbour at dawn, in pictures", tags=["photography"],
              content=f"Boats coming in.\n\n![The harbour at dawn]({picture['url']})",
              cover=ObjectId(cover["id"]))
    with app.app_context():
        avatar = store_image(writer, FileStorage(io.BytesIO(image_bytes("JPEG", 400, 300)),
                                                 "me.jpg"), kind="avatar")
        User.objects(pk=writer.pk).update_one(set__avatar=avatar.pk)
    reader_client = app.test_client()
    reader_client.post("/auth/login", data={"email": reader.email, "password": PASSWORD})
    admin_client = app.test_client()
    admin_client.post("/auth/login", data={"email": admin.email, "password": PASSWORD})
    # A thread on the long post: the writer's comment (theirs to edit), a reader's reply
    # with a long address, and a comment that waits for a moderator.
    writer_client.post(f"/posts/{long_post.slug}/comments", data={
        "body": "Thanks for reading. The **invalidation** part is in `cache/`."})
    with app.app_context():
        comment = Comment.objects(post=long_post.pk).first()
    admin_client.post(f"/admin/comments/{comment.pk}/status", data={"status": "visible"})
    reader_client.post(f"/posts/{long_post.slug}/comments", data={
        "parent": str(comment.pk),
        "body": "Which version? See https://example.com/a/very/long/address/without/any/"
                "spaces/" + "x" * 60})
    with app.app_context():
        reply = Comment.objects(parent=comment.pk).first()
    admin_client.post(f"/admin/comments/{reply.pk}/status", data={"status": "visible"})
    reader_client.post(f"/posts/{long_post.slug}/comments", data={
        "body": "Waiting for a moderator to read this one."})
    admin_client.post(f"/admin/users/{reader.pk}/role", data={"role": "moderator"})
    with app.app_context():
        # A reset link for the reader: a real one opens the reset page, and as an address
        # confirmation (another kind of link) it shows the page for a link that does not work.
        token = tokens.reset_token(reader.reload())

    return Site(
        emails={"user": WRITER_EMAIL, "admin": admin.email},
        values={"slug": [long_post.slug, draft.slug], "tag": ["zero-downtime deploys"],
                "user_id": [str(writer.pk)], "filename": ["css/site.css"],
                # The writer's edit above kept the long post's first version.
                "number": ["1"], "token": [token], "image_id": [picture["id"]],
                "comment_id": [str(comment.pk)]},
        queries={"search.results": {"q": "caching"}})


def page_urls(app, site):
    """``(endpoint, url)`` for every GET route, once for each value of its arguments."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods:
            continue
        missing = sorted(set(rule.arguments) - set(site.values))
        assert not missing, (f"{rule.rule} takes {', '.join(missing)}: give build_site a real "
                             f"value for it, so that its page is checked too")
        for arguments in _combinations(rule.arguments, site.values):
            path = rule.rule
            for name, value in arguments.items():
                path = re.sub(rf"<(?:[^:<>]+:)?{name}>", value, path)
            query = site.queries.get(rule.endpoint)
            urls.append((rule.endpoint, f"{path}?{urlencode(query)}" if query else path))
    return urls


def _combinations(names, values):
    combinations = [{}]
    for name in sorted(names):
        combinations = [{**done, name: value} for done in combinations for value in values[name]]
    return combinations


def log_in(page, base, email):
    page.goto(f"{base}/auth/login")
    page.fill("main input[name=email]", email)
    page.fill("main input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/auth/login" not in url)


def walk(page, base, app, site, role, check):
    """Visit every page as ``role`` at every width in WIDTHS; ``check(page, endpoint,
    width)`` is called on each HTML page. Returns the endpoints visited."""
    page.context.clear_cookies()
    if role != "visitor":
        log_in(page, base, site.emails[role])
    visited = set()
    for width, size in WIDTHS.items():
        page.set_viewport_size({"width": size[0], "height": size[1]})
        for endpoint, url in page_urls(app, site):
            # Asked first, as a browser does not open a download or show JSON as a page.
            probe = page.request.head(f"{base}{url}")
            if (not probe.headers.get("content-type", "").startswith("text/html")
                    or "attachment" in probe.headers.get("content-disposition", "")):
                continue
            page.goto(f"{base}{url}")
            visited.add(endpoint)
            check(page, endpoint, width)
    return visited
