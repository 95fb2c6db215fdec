"""Hostile input on every route: never a 500, never an open redirect, never bad data stored.

Hypothesis sends generated values (empty, huge, unicode, control characters,
operator-looking text and JSON objects, path tricks) to every query parameter
and form field of every route in ``app.url_map``, with real and hostile path
arguments, logged out, as a user and as an admin. Afterwards every stored user,
post and audit entry must still obey the rules the models enforce.
"""
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import feedparser
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage

from blog.models import AuditLog, Post, Transfer, User
from blog.models.comment import STATUSES as COMMENT_STATUSES
from blog.models.comment import Comment
from blog.models.post import MAX_TITLE, STATUSES, normalise_tags
from blog.models.revision import Revision
from blog.media.operations import store_image
from blog.models.image import Image
from blog.models.user import ROLES, STARTING_POINTS, normalise_email
from blog.services import tokens
from conftest import PASSWORD
from images import image_bytes, photo_with_location

settings.register_profile(
    "bad-input", max_examples=150, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large])


@dataclass(frozen=True)
class Inputs:
    query: tuple = ()
    # The form's fields, as its page sends them.
    form: tuple = ()
    # Fields the page does not offer (or sends only for one button), sent now and then
    # to show that they change nothing: a profile cannot make itself an admin.
    extra: tuple = ()


AUDIT_FILTERS = ("action", "collection", "actor", "document", "from", "to", "page")
POST_FORM = Inputs(form=("title", "content", "tags", "status", "publish_at", "save", "cover",
                         "remove_cover"),
                   extra=("preview", "author", "slug", "published_at"))
# What each endpoint reads.
INPUTS = {
    "static": Inputs(),
    "admin.dashboard": Inputs(),
    "admin.activity": Inputs(),
    "admin.users": Inputs(query=("search", "page")),
    "admin.change_role": Inputs(form=("role", "next")),
    "admin.grant_points": Inputs(form=("points", "next")),
    "admin.audit": Inputs(query=AUDIT_FILTERS),
    "admin_api.users": Inputs(query=("search", "page", "limit")),
    "admin_api.stats": Inputs(),
    "admin_api.audit": Inputs(query=(*AUDIT_FILTERS, "limit")),
    "auth.register": Inputs(form=("email", "name", "password", "password_confirm"),
                            extra=("role", "points")),
    "auth.login": Inputs(query=("next",), form=("email", "password", "remember")),
    "auth.logout": Inputs(),
    "posts.index": Inputs(query=("page",)),
    "posts.show": Inputs(),
    "posts.new": POST_FORM,
    "posts.edit": POST_FORM,
    "posts.delete": Inputs(),
    "posts.publish": Inputs(),
    "posts.code_stylesheet": Inputs(),
    "crawlers.sitemap": Inputs(),
    "crawlers.robots": Inputs(),
    "users.my_posts": Inputs(query=("status", "page")),
    "revisions.index": Inputs(query=("page",)),
    "revisions.show": Inputs(),
    "revisions.restore": Inputs(),
    "posts.tags": Inputs(),
    "posts.tag": Inputs(query=("page",)),
    "posts.feed": Inputs(),
    "posts.tag_feed": Inputs(),
    "search.results": Inputs(query=("q", "page")),
    "users.profile": Inputs(query=("page",)),
    "users.kudos": Inputs(form=("points", "next")),
    "users.settings": Inputs(form=("name", "bio", "age", "website", "avatar", "remove_avatar"),
                             extra=("role", "email", "points", "session_token")),
    "api.posts": Inputs(query=("q", "tag", "author", "page", "limit")),
    "api.post": Inputs(),
    "api.post_comments": Inputs(query=("page", "limit")),
    "api.openapi": Inputs(),
    "health.healthz": Inputs(),
    "accounts.request_reset": Inputs(form=("email",)),
    "accounts.reset_password": Inputs(form=("password", "password_confirm")),
    "accounts.change_password": Inputs(form=("current_password", "password",
                                             "password_confirm")),
    "accounts.change_email": Inputs(form=("email", "current_password")),
    "accounts.confirm_email": Inputs(),
    "accounts.export": Inputs(),
    "accounts.delete_account": Inputs(form=("password", "confirm"), extra=("email",)),
    "media.uploads": Inputs(query=("page", "uploaded")),
    "media.upload": Inputs(form=("file", "alt")),
    "media.image": Inputs(),
    "media.thumbnail": Inputs(),
    "media.delete": Inputs(),
    "posts.add_comment": Inputs(form=("body", "parent"), extra=("status", "author", "post")),
    "comments.edit": Inputs(form=("body",), extra=("status", "author")),
    "comments.delete": Inputs(form=("next",)),
    "comment_queue.index": Inputs(query=("status", "page")),
    "comment_queue.change_status": Inputs(form=("status", "next")),
}

HOSTILE = [
    "", " ", "\t\n", "0", "-1", "1.5", "1e9", "99999999999999999999", "abc", "NaN", "null",
    "true", "[]", "{}", '{"$gt": ""}', '{"$ne": null}', "{'$where': 'sleep(1000)'}", "$where",
    "$gt", "[$ne]=1", ".*", "(a+)+$", "[", "\\", "../../etc/passwd", "..%2F..%2Fetc%2Fpasswd",
    "..\\..\\windows\\win.ini", "//evil.com", "/\\evil.com", "https://evil.com",
    "http:evil.com", "javascript:alert(1)", "data:text/html,<b>x</b>",
    "<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', "' OR '1'='1", "%00",
    "\x00", "a\x00b", "\u202eevil", "\ufeff", "é", "ﬁ", "Ⅻ", "٣", "💥" * 40, "a" * 300,
    "x" * 5000, " ADMIN@Example.COM ", "admin", "moderator", "published", "draft", "archived",
    "tag:x", "-", ",,,", " , a ,A, a", "#" * 31, "b" * 31,
]
# Values a form accepts, so that some requests get through to the database.
PLAUSIBLE = [
    "Tea at dawn", "tea, News , TEA", "published", "draft", "new.person@example.com",
    " New.Person@Example.COM ", "New Person", PASSWORD, "30", "https://example.com/me",
    "**bold** and [a link](javascript:alert(1)) <script>x</script>", "1", "y",
]
# Values each field accepts, so that forms get through to the database.
ACCEPTED = {
    "email": ["new.person@example.com", " New.Person@Example.COM ", "reader@example.com"],
    "name": ["New Person", "  Spaced   Out  "], "password": [PASSWORD],
    "password_confirm": [PASSWORD], "title": ["Tea at dawn", "Reader's post"],
    "content": ["**bold** and [a link](javascript:alert(1)) <script>x</script>"],
    "tags": ["tea, News , TEA", "a, b, c, d, e, f, g, h, i, j, k"], "status": list(STATUSES),
    "role": list(ROLES), "points": ["1", "7", "100"], "age": ["30"],
    "website": ["https://example.com/me"], "bio": ["Hello."], "remember": ["y"],
    "next": ["/tags/"], "publish_at": ["", "2031-02-03T04:05", "2001-05-06T07:08"],
    "current_password": [PASSWORD], "confirm": ["delete"],
    "body": ["Nice post.", "[a](javascript:alert(1)) <script>x</script> ![i](https://a.b/c)"],
    "parent": [""],
}


@dataclass(frozen=True)
class FileSample:
    """A file a form's file field sends (made afresh for each request)."""
    filename: str
    data: bytes

    def sent(self):
        return (io.BytesIO(self.data), self.filename)


IMAGE_FILES = [
    FileSample("photo.jpg", photo_with_location()), FileSample("../../etc/passwd", image_bytes()),
    FileSample("<script>alert(1)</script>.gif", image_bytes("GIF")),
    FileSample("notes.png", b"just words"), FileSample("x.svg", b"<svg><script>1</script></svg>"),
    FileSample("cut.png", image_bytes()[:300]), FileSample("a\x00b.webp", image_bytes("WEBP")),
]
ACCEPTED.update({"file": IMAGE_FILES, "cover": IMAGE_FILES, "avatar": IMAGE_FILES,
                 "alt": ["A harbour at dawn", "[brackets] and \\"],
                 "remove_cover": ["", "1"], "remove_avatar": ["", "1"]})
# Past the 1 MB request limit (413), or past each field's own limit.
HUGE = ["é" * 600_000, "w " * 60_000]
TEXT = st.text(max_size=120)
VALUES = st.one_of(st.sampled_from(HOSTILE), st.sampled_from(PLAUSIBLE), TEXT,
                   st.integers().map(str))
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | VALUES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["$gt", "$ne", "$where", "$regex", "a"]), inner, max_size=2),
    max_leaves=6)


def path_value(real):
    """A real id, slug or tag, or something hostile, quoted into a path segment or not."""
    hostile = VALUES.map(lambda value: quote(value, safe=""))
    raw = st.sampled_from(["../../etc/passwd", "..", ".", "//evil.com", "a/b", "%2e%2e"])
    # Real values half the time, so that requests reach the code behind the lookup.
    return st.one_of(st.sampled_from(real), st.sampled_from(real), hostile, raw)


@pytest.fixture
def app_config(mail_server):
    """The account pages send mail, to a real server."""
    return {"MAIL_URL": mail_server.url}


@pytest.fixture
def world(app, admin, make_user, make_post):
    """Two users besides the admin, with published posts and drafts, their ids, and links
    that the reader was mailed."""
    reader = make_user(email="reader@example.com", name="Reader")
    other = make_user(email="other@example.com", name="Other Writer")
    posts = [make_post(reader, title="Reader's post", tags=["tea"]),
             make_post(reader, title="Reader's draft", status="draft"),
             make_post(other, title="Other's draft", status="draft", tags=["secret"]),
             make_post(admin, title="Admin's post", tags=["news", "tea"])]
    with app.app_context():
        # Revisions 1 and 2 of the reader's post.
        for words in ("Second words.", "Third words."):
            posts[0].content = words
            posts[0].save()
        # An image of the reader's that their post shows, and one of the admin's.
        image_ids = [str(stored_image(reader).pk), str(stored_image(admin).pk)]
        posts[0].content = f"Third words. ![a picture](/media/{image_ids[0]})"
        posts[0].save()
    comments = [Comment(post=posts[0], author=reader, body="The reader's own comment.",
                        status="visible"),
                Comment(post=posts[3], author=other, body="Waiting.", status="pending")]
    with app.app_context():
        for comment in comments:
            comment.save()
    return {
        "token": [],
        "comments": comments,
        "comment_id": [str(comment.pk) for comment in comments] + [str(ObjectId())],
        "users": {"admin": admin, "user": reader},
        "posts": posts,
        "slug": [post.slug for post in posts],
        "user_id": [str(user.pk) for user in (admin, reader, other)] + [str(ObjectId())],
        "tag": ["tea", "news", "secret", "nothing-here"],
        "number": ["1", "2", "3", "0", "999999999", "1000000000", "99999999999999999999"],
        "filename": ["css/site.css", "js/activity.js", "../blog/config.py",
                     "..%2f..%2fapp.py", "/etc/passwd"],
        "image_id": image_ids + [str(ObjectId())],
    }


def stored_image(owner):
    return store_image(owner, FileStorage(io.BytesIO(image_bytes()), "picture.png"))


def restore(world):
    """Put back what earlier examples changed, so that each starts from the same cast:
    the accounts (one may have deleted itself, or changed its password or address), the
    roles, the posts a fuzzed delete removed, and mailed links that were used."""
    for role, user in list(world["users"].items()):
        stored = User.objects(pk=user.pk).first()
        if stored is None:
            stored = User(email=user.email, name=user.name)
            stored.set_password(PASSWORD)
            stored.save()
            world["users"][role] = stored
            world["user_id"][world["user_id"].index(str(user.pk))] = str(stored.pk)
            for post in world["posts"]:
                if post.author.pk == user.pk:
                    post.author = stored
        if stored.email != user.email or not stored.check_password(PASSWORD):
            stored.email = user.email
            stored.set_password(PASSWORD)
            stored.save()
        User.objects(pk=stored.pk).update_one(set__role=role)
    reader = world["users"]["user"]
    world["token"][:] = [tokens.reset_token(reader),
                         tokens.email_token(reader, "changed@example.com"), "not-a-token"]
    for post in world["posts"]:
        if not Post.objects(slug=post.slug).count():
            restored = Post(author=post.author, title=post.title, tags=post.tags,
                            status=post.status, content=post.content)
            restored.save()
            post.pk = restored.pk
    for number, comment in enumerate(world["comments"]):
        if Comment.objects(pk=comment.pk).count():
            continue
        author = world["users"]["user"] if number == 0 else comment.author
        if User.objects(pk=author.pk).count() and Post.objects(pk=comment.post.pk).count():
            restored = Comment(post=comment.post, author=author, body=comment.body,
                               status=comment.status)
            restored.save()
            world["comment_id"][number] = str(restored.pk)
            world["comments"][number] = restored


def form_fields(draw, inputs):
    """A form that would be accepted, with some of its fields (perhaps none) made hostile,
    sent more than once as repeated inputs send them, or left out, and perhaps extra fields."""
    fields = {name: draw(st.sampled_from(ACCEPTED.get(name, PLAUSIBLE)), label=name)
              for name in inputs.form}
    names = inputs.form + inputs.extra
    spoiled = draw(st.sets(st.sampled_from(names)) if names else st.just(set()), label="spoiled")
    for name in sorted(spoiled):
        value = draw(st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=3), st.none()),
                     label=f"hostile {name}")
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return fields


def send(client, draw, world, rule, method):
    path = rule.rule
    for argument in rule.arguments:
        value = draw(path_value(world[argument]), label=argument)
        path = re.sub(rf"<(?:\w+:)?{argument}>", lambda _: value, path)
    inputs = INPUTS[rule.endpoint]
    query = draw(st.fixed_dictionaries({}, optional=dict.fromkeys(inputs.query, VALUES)),
                 label="query")
    if method == "GET":
        return path, {}, client.get(path, query_string=query)
    if draw(st.booleans(), label="as JSON"):
        body = draw(st.one_of(
            st.fixed_dictionaries({}, optional=dict.fromkeys(inputs.form + inputs.extra,
                                                             JSON_VALUES)),
            JSON_VALUES), label="JSON body")
        response = client.post(path, query_string=query, data=json.dumps(body),
                               content_type="application/json")
        return path, body if isinstance(body, dict) else {}, response
    form = form_fields(draw, inputs)
    if form and draw(st.sampled_from([False] * 7 + [True]), label="one huge field"):
        form[sorted(form)[0]] = draw(st.sampled_from(HUGE), label="huge value")
    sent = {name: value.sent() if isinstance(value, FileSample) else value
            for name, value in form.items()}
    headers = {"Accept": "application/json"} if draw(st.booleans(), label="asks for JSON") else {}
    return path, form, client.post(path, query_string=query, data=sent, headers=headers)


@pytest.mark.parametrize("body", [{"email": True, "password": ["x"]}, False, " ", [1, 2],
                                  {"title": {"$gt": ""}, "tags": {"a": 1}, "status": None}])
@pytest.mark.parametrize("url", ["/auth/register", "/auth/login", "/posts/new",
                                 "/settings/profile", "/auth/reset", "/settings/password",
                                 "/settings/email", "/settings/delete"])
def test_a_json_body_sent_to_a_form_gets_the_form_errors(client, auth, make_user, url, body):
    make_user(email="ann@example.com")
    if not url.startswith("/auth/"):
        auth.login()
    response = client.post(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == (401 if url == "/auth/login" else 400)
    page = response.get_data(as_text=True)
    assert 'class="field-errors"' in page and "This field is required." in page
    assert Post.objects.count() == 0 and User.objects.count() == 1


def routes(app):
    """Each route and method; writes twice, as they are where bad data could get in."""
    return [(rule, method) for rule in app.url_map.iter_rules()
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
            for _ in range(2 if method == "POST" else 1)]


def test_every_route_has_its_inputs_listed(app):
    """A new route must say what it reads before this file can fuzz it."""
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(INPUTS)


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "user", "admin"])
def test_hostile_input_never_breaks_a_page_or_the_data(app, world, who):
    all_routes = routes(app)
    # Values sent only ever as a password, and every value sent as anything else.
    sent = {"passwords": set(), "in the open": set()}

    @settings(settings.get_profile("bad-input"))
    @given(data=st.data())
    def one_request(data):
        restore(world)
        client = app.test_client()
        if who != "anonymous":
            response = client.post("/auth/login", data={
                "email": world["users"][who].email, "password": PASSWORD})
            assert response.status_code == 302
        rule, method = data.draw(st.sampled_from(all_routes), label="route")
        path, fields, response = send(client, data.draw, world, rule, method)
        for name, value in fields.items():
            for text in value if isinstance(value, list) else [value]:
                if isinstance(text, str):
                    sent["passwords" if name == "password" else "in the open"].add(text)
        assert response.status_code < 500, f"{method} {path}: {response.status_code}"
        assert b"Traceback" not in response.data
        location = response.headers.get("Location")
        if location:
            assert urlsplit(location).netloc in ("", "localhost"), f"redirect to {location}"

    with app.app_context():
        one_request()
        assert_stored_data_is_valid(sent["passwords"] - sent["in the open"])
        assert_feeds_are_well_formed(app.test_client())


def assert_feeds_are_well_formed(client):
    """Every feed, the whole blog's and each tag's that a visible post has, is Atom a feed
    reader takes without complaint."""
    tags = {tag for post in Post.visible().only("tags") for tag in post.tags}
    for path in ["/feed.atom", *(f"/tags/{quote(tag, safe='')}/feed.atom" for tag in tags)]:
        response = client.get(path)
        assert response.status_code == 200, path
        feed = feedparser.parse(response.data)
        assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"


class _MarkupCheck(HTMLParser):
    TAGS = {"script", "style", "iframe", "object", "embed", "form", "input", "base", "meta"}

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.found.append(tag)
        for name, value in attrs:
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name.startswith("on") or name == "style" or url.startswith(("javascript:",
                                                                            "data:", "vbscript:")):
                self.found.append(f"{tag} {name}={value}")


def unsafe_markup(html):
    """Tags, handlers and URLs in sanitised HTML that could run script or restyle the page."""
    check = _MarkupCheck()
    check.feed(html)
    return check.found


# Tab and newline are kept only in Markdown, its HTML, bios and a post's search text
# (blog.text.normalise).
MULTILINE_FIELDS = {"content", "html", "bio", "stemmed_text", "body"}
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def control_characters(value, name=None):
    """The names of the fields of a raw document (an audit entry's changes too) whose
    stored text holds control characters."""
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in control_characters(item, key)]
    if isinstance(value, list):
        return [found for item in value for found in control_characters(item, name)]
    pattern = CONTROL_BUT_LINES if name in MULTILINE_FIELDS else CONTROL
    return [name] if isinstance(value, str) and pattern.search(value) else []


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


def assert_stored_data_is_valid(passwords):
    """What is in the database, read raw, as the models' rules require it.

    ``passwords`` were sent as passwords and never as another field, so no
    audit entry may show one (unless a stored document holds the same text).
    """
    users = list(User._get_collection().find())
    for collection in (User, Post, Revision, Comment, AuditLog):
        for raw in collection._get_collection().find():
            assert not control_characters(raw), f"{collection.__name__}: {raw}"
    emails = [user["email"] for user in users]
    assert len(emails) == len(set(emails)), "one account per email"
    user_ids = set()
    for raw in users:
        User.objects.get(pk=raw["_id"]).validate()
        user_ids.add(raw["_id"])
        assert raw["email"] == normalise_email(raw["email"])
        assert raw["name"] == " ".join(raw["name"].split()) and raw["name"]
        assert raw["role"] in ROLES
        assert isinstance(raw["points"], int) and raw["points"] >= 0
        assert raw["password_hash"].startswith("$2b$")

    post_ids = set()
    for raw in Post._get_collection().find():
        post_ids.add(raw["_id"])
        Post.objects.get(pk=raw["_id"]).validate()
        assert raw["title"] == " ".join(raw["title"].split()) and raw["title"]
        assert len(raw["title"]) <= MAX_TITLE
        # An update that empties a field unsets it (MongoEngine): a missing field is its default.
        assert raw.get("tags", []) == normalise_tags(raw.get("tags", []))
        assert raw["status"] in STATUSES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", raw["slug"]), raw["slug"]
        assert raw["author"] in user_ids
        assert not unsafe_markup(raw.get("html", "")), unsafe_markup(raw["html"])

    for raw in Image._get_collection().find():
        image = Image.objects.get(pk=raw["_id"])
        image.validate()
        assert raw.get("owner") is None or raw["owner"] in user_ids
        assert image.file.read(), "an image's file is there as long as the image"
        assert not control_characters(raw)

    for raw in Revision._get_collection().find():
        Revision.objects.get(pk=raw["_id"]).validate()
        assert raw["post"] in post_ids, "a deleted post takes its revisions with it"

    visible = {}
    for raw in Comment._get_collection().find():
        Comment.objects.get(pk=raw["_id"]).validate()
        assert raw["post"] in post_ids, "a deleted post takes its comments with it"
        assert raw["author"] in user_ids, "a deleted account takes its comments with it"
        assert raw["status"] in COMMENT_STATUSES and 1 <= len(raw["body"]) <= 5000
        html = raw.get("html", "")
        assert not unsafe_markup(html) and "<img" not in html, html
        visible[raw["post"]] = visible.get(raw["post"], 0) + (raw["status"] == "visible")
    for raw in Post._get_collection().find():
        assert raw.get("comment_count", 0) == visible.get(raw["_id"], 0), \
            "each post counts its visible comments"

    balances = {user_id: STARTING_POINTS for user_id in user_ids}
    for transfer in Transfer._get_collection().find():
        Transfer.objects.get(pk=transfer["_id"]).validate()
        assert transfer["state"] in ("done", "cancelled"), "no transfer left half-done"
        if transfer["state"] == "done":
            # A deleted account's balance went with it; its transfers stay in the ledger.
            if transfer.get("sender") in balances:
                balances[transfer["sender"]] -= transfer["amount"]
            if transfer["recipient"] in balances:
                balances[transfer["recipient"]] += transfer["amount"]
    assert balances == {raw["_id"]: raw["points"] for raw in users}, "balances match the ledger"

    hashes = {value for raw in users for value in (raw["password_hash"], raw["session_token"])}
    in_the_open = [{name: value for name, value in raw.items()
                    if name not in ("password_hash", "session_token")} for raw in users]
    stored = set(_leaves([in_the_open, list(Post._get_collection().find())]))
    passwords = {password for password in passwords if len(password) >= 8} - stored
    for entry in AuditLog.objects:
        entry.validate()
        text = json.dumps(entry.to_mongo().to_dict(), default=str)
        assert not [secret for secret in hashes if secret in text], \
            f"a {entry.action} entry holds a password hash or session token"
        shown = set(_leaves([entry.changes, entry.label, entry.actor]))
        assert not shown & passwords, f"a {entry.action} entry holds a password"
        for field in ("password", "password_hash", "session_token"):
            assert entry.changes.get(field) in (None, "changed")
