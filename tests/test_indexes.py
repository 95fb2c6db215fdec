"""Every query the blog sends is one an index serves on a MongoDB server.

The app is driven through every page and API route as a visitor, a user and an
admin, and through every form that changes something, on a blog with a few
hundred posts, while the embedded store reports each query it runs
(blog.store.queries). Each ``find``, ``count`` and aggregation ``$match`` is
checked against the indexes the documents declare by MongoDB's
equality-sort-range rule (index_rules); a read without a limit on a collection
that grows with use fails unless UNBOUNDED gives the reason it is bounded all
the same. The table of queries, the index each uses and whether it reaches one
shard or all under the shard keys docs/deployment.md proposes is printed and
written to test-output/queries.txt.
"""
import os
import re
from collections import defaultdict

import pytest

from blog.models import AuditLog, Post, User
from blog.models.comment import Comment
from blog.services import counts, tokens
from blog.store.queries import set_query_listener
from conftest import OUTPUT, PASSWORD, ROOT
from index_rules import branches, declared_indexes, serving_index, suggested_index
from images import image_bytes, upload
from pages import build_site, page_urls

POSTS = 300
GROWING = {"post", "audit_log", "transfer", "revision", "comment", "fs.files", "fs.chunks",
           "user"}
# Reads with no limit of their own on a growing collection, each bounded another way:
# (collection, command, the filter's fields): why.
UNBOUNDED = {
    ("post", "find", ("author",)):
        "an account's export and deletion read the person's own posts, once, on their request",
    ("transfer", "find", ("$or",)): "an account's export reads the person's own transfers",
    ("audit_log", "find", ("$or",)): "an account's export reads the history of the person",
    ("revision", "find", ("post",)): "a post keeps at most REVISIONS_KEPT revisions",
    ("revision", "find", ("_id", "post")): "a post keeps at most REVISIONS_KEPT revisions",
    ("revision", "find", ("number", "post")): "a post keeps at most REVISIONS_KEPT revisions",
    ("post", "find", ("published_at", "status")):
        "the posts still waiting for their publish time, which correct the counters: "
        "writers schedule a few at a time",
    ("post", "aggregate", ("author",)):
        "a writer's dashboard counts their own posts by status, and the admin's list of 25 "
        "users their posts, from the author index",
    ("post", "find", ("author", "images")):
        "deleting an account asks once which of the person's images others' posts show",
    ("post", "find", ("images",)):
        "deleting a post, or changing its cover, asks once which of its images others show",
    ("comment", "find", ("author",)): "an account's export and deletion read the person's "
                                      "own comments, once, on their request",
    ("comment", "find", ("_id", "post")): "deleting a post deletes its comments, each audited",
}
# The audit history's filters, each alone: every one has its index.
AUDIT_FILTERS = ("action=login", "collection=post", "actor={email}", "actor={user_id}",
                 "document={user_id}", "collection=user&document={user_id}",
                 "from=2020-01-01&to=2099-12-31")
SHARD_KEY_ROW = re.compile(r"^\|\s*`([\w.]+)`\s*\|\s*`\{([^}]*)\}`")


@pytest.fixture
def app_config():
    # Every request reaches the database: nothing is answered from a cache.
    return {"CACHE_TYPE": "NullCache"}


@pytest.fixture
def recorded():
    queries = []
    set_query_listener(queries.append)
    yield queries
    set_query_listener(None)


def shard_keys():
    """``{collection: [field, …]}`` from the table of shard keys in docs/deployment.md."""
    keys = {}
    with open(os.path.join(ROOT, "docs", "deployment.md"), encoding="utf-8") as guide:
        for line in guide:
            match = SHARD_KEY_ROW.match(line)
            if match:
                keys[match[1]] = [part.split(":")[0].strip().strip('"')
                                  for part in match[2].split(",")]
    return keys


def log_in(app, email):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, f"could not log in as {email}"
    return client


def visit_every_page(app, site):
    """Every GET route, as each of visitor, user and admin, with and without a page number."""
    clients = {"visitor": app.test_client(), "user": log_in(app, site.emails["user"]),
               "admin": log_in(app, site.emails["admin"])}
    for client in clients.values():
        for endpoint, url in page_urls(app, site):
            if endpoint == "static":
                continue
            client.get(url)
            client.get(url + ("&" if "?" in url else "?") + "page=2")
    user_id = site.values["user_id"][0]
    for filters in AUDIT_FILTERS:
        query = filters.format(email=site.emails["user"], user_id=user_id)
        for path in ("/admin/audit", "/api/audit"):
            assert clients["admin"].get(f"{path}?{query}").status_code == 200, query


def write_through_every_form(app, site, make_user):
    """Every POST route, once, with a valid form: ``{endpoint}`` of those sent."""
    writer = User.objects.get(email=site.emails["user"])
    admin = User.objects.get(email=site.emails["admin"])
    leaver = make_user(email="leaver@example.com", name="Leaving Soon")
    reader = make_user(email="reader2@example.com", name="Second Reader")
    as_writer, as_admin = log_in(app, writer.email), log_in(app, admin.email)
    as_leaver, visitor = log_in(app, leaver.email), app.test_client()
    sent = {}

    def post(endpoint, client, url, data):
        response = client.post(url, data=data)
        assert response.status_code in (200, 302), f"{endpoint} answered {response.status_code}"
        sent[endpoint] = response.status_code

    post("auth.register", visitor, "/auth/register", {
        "email": "newcomer@example.com", "name": "Newcomer", "password": PASSWORD,
        "password_confirm": PASSWORD})
    post("auth.login", app.test_client(), "/auth/login",
         {"email": writer.email, "password": PASSWORD})
    post("posts.new", as_writer, "/posts/new", {
        "title": "Indexes, written today", "content": "Words.", "tags": "python, databases",
        "status": "draft", "cover": upload(image_bytes("JPEG"), "cover.jpg")})
    fresh = as_writer.get("/me/posts?status=draft")
    slug = re.search(r'href="/posts/(indexes-written-today[^"/]*)"', fresh.text)[1]
    post("posts.edit", as_writer, f"/posts/{slug}/edit", {
        "title": "Indexes, written today", "content": "More words.", "tags": "python",
        "status": "draft"})
    post("posts.publish", as_writer, f"/posts/{slug}/publish", {})
    post("revisions.restore", as_writer, f"/posts/{slug}/revisions/1/restore", {})
    post("posts.add_comment", as_writer, f"/posts/{slug}/comments", {"body": "First!"})
    with app.app_context():
        comment = Comment.objects(author=writer).order_by("-created_at").first()
    post("posts.add_comment", as_admin, f"/posts/{slug}/comments",
         {"body": "Welcome.", "parent": str(comment.pk)})
    post("comments.edit", as_writer, f"/comments/{comment.pk}/edit", {"body": "First, then."})
    post("comment_queue.change_status", as_admin, f"/admin/comments/{comment.pk}/status",
         {"status": "visible"})
    post("comments.delete", as_admin, f"/comments/{comment.pk}/delete", {})
    post("posts.delete", as_writer, f"/posts/{slug}/delete", {})
    post("users.kudos", as_writer, f"/users/{reader.pk}/kudos", {"points": "5"})
    post("users.settings", as_writer, "/settings/profile", {
        "name": writer.name, "bio": "Writes.", "age": "40", "website": ""})
    post("admin.change_role", as_admin, f"/admin/users/{reader.pk}/role", {"role": "moderator"})
    post("admin.grant_points", as_admin, f"/admin/users/{reader.pk}/points", {"points": "10"})
    post("accounts.request_reset", visitor, "/auth/reset", {"email": reader.email})
    with app.app_context():
        token = tokens.reset_token(reader.reload())
    post("accounts.reset_password", visitor, f"/auth/reset/{token}", {
        "password": PASSWORD + "!", "password_confirm": PASSWORD + "!"})
    post("accounts.change_password", as_writer, "/settings/password", {
        "current_password": PASSWORD, "password": PASSWORD, "password_confirm": PASSWORD})
    as_writer = log_in(app, writer.email)
    post("accounts.change_email", as_writer, "/settings/email", {
        "email": "katherine.new@example.com", "current_password": PASSWORD})
    post("media.upload", as_leaver, "/media", {"file": upload(image_bytes(), "kept.png")})
    spare = as_leaver.post("/media", data={"file": upload(image_bytes(), "spare.png")},
                           headers={"Accept": "application/json"}).get_json()["data"]
    post("media.delete", as_leaver, f"/media/{spare['id']}/delete", {})
    post("accounts.delete_account", as_leaver, "/settings/delete", {
        "password": PASSWORD, "confirm": "delete"})
    post("auth.logout", as_admin, "/auth/logout", {})
    return sent


def post_routes(app):
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def fill(make_user, make_post, count):
    writers = [make_user(email=f"writer{n}@example.com", name=f"Writer {n}") for n in range(5)]
    tags = ["python", "databases", "caching", "design", "testing", "ops", "writing"]
    for number in range(count):
        make_post(writers[number % 5], title=f"Field notes {number}",
                  content=f"Notes number {number} on indexes and caching.",
                  tags=[tags[number % 7], tags[(number * 3) % 7]],
                  status="draft" if number % 10 == 9 else "published")


def shape(query):
    """A query's fields with their operators, values left out: ``{status, published_at $lte}``."""
    def describe(filter):
        parts = []
        for key, value in filter.items():
            if key in ("$or", "$and", "$nor"):
                parts.append(f"{key} [" + " | ".join(describe(part) for part in value) + "]")
            elif isinstance(value, dict) and value and all(op.startswith("$") for op in value):
                parts.append(f"{key} {' '.join(sorted(value))}")
            else:
                parts.append(key)
        return ", ".join(parts)
    return "{" + describe(query.filter) + "}"


def sort_text(sort):
    return ", ".join(f"{'-' if direction < 0 else ''}{name}" for name, direction in sort) or "-"


def targeting(query, keys):
    """Whether a query reaches one shard under ``keys`` (collections without a shard key
    stay unsharded, on one shard)."""
    fields = keys.get(query.collection)
    if not fields:
        return "one shard (unsharded)"
    if all(all(field in branch.equality for field in fields) for branch in branches(query.filter)):
        return "one shard"
    return "all shards"


def check(queries, indexes, keys):
    """``(rows of the table, problems)`` for the recorded queries."""
    rows, problems, seen = [], [], set()
    for query in queries:
        fields = tuple(sorted(query.filter))
        key = (query.collection, query.command, shape(query), sort_text(query.sort),
               bool(query.limit))
        if key in seen:
            continue
        seen.add(key)
        used = []
        for branch in branches(query.filter):
            found = serving_index(branch, query.sort, indexes.get(query.collection, []))
            if found is None and (branch.equality or branch.ranges or query.sort):
                problems.append(
                    f"{query.collection}: {query.command} {dict(query.filter)!r} sorted by "
                    f"{sort_text(query.sort)}: no declared index serves it; declare "
                    f"{suggested_index(branch, query.sort)} in the meta indexes of the "
                    f"{query.collection} document")
            used.append(sort_text(found) if found else "whole collection")
        bounded = (query.limit or query.collection not in GROWING
                   or all(_point_lookup(branch, indexes.get(query.collection, []))
                          for branch in branches(query.filter)))
        if query.command == "aggregate" and not query.max_time_ms:
            problems.append(f"{query.collection}: aggregate {dict(query.filter)!r} has no "
                            f"maxTimeMS: run it through BlogQuerySet.aggregate")
        if not bounded and query.command in ("find", "aggregate") \
                and (query.collection, query.command, fields) not in UNBOUNDED:
            problems.append(
                f"{query.collection}: {query.command} {dict(query.filter)!r} sorted by "
                f"{sort_text(query.sort)} has no limit and {query.collection} grows with use: "
                f"give it one, or list it in UNBOUNDED with the reason it stays small")
        rows.append((query.collection, query.command, shape(query), sort_text(query.sort),
                     str(query.limit or "none"), " | ".join(dict.fromkeys(used)),
                     targeting(query, keys)))
    return rows, problems


def _point_lookup(branch, indexes):
    """The branch names one document (or a list of them) by ``_id`` or a unique field."""
    return any(spec["unique"] and all(name in branch.equality for name, _ in spec["fields"])
               for spec in indexes)


def table(rows):
    header = ("collection", "command", "filter", "sort", "limit", "index used", "on a cluster")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [header, *sorted(rows)]]
    return "\n".join(lines)


def test_every_query_is_served_by_a_declared_index(app, make_user, make_post, recorded):
    site = build_site(app, make_user, make_post)
    fill(make_user, make_post, POSTS)
    counts.ensure_built()  # once, as the first request of a blog from before counters does
    recorded.clear()
    visit_every_page(app, site)
    sent = write_through_every_form(app, site, make_user)
    assert post_routes(app) <= set(sent), (
        "drive these forms in write_through_every_form, so their queries are checked: "
        + ", ".join(sorted(post_routes(app) - set(sent))))

    keys = shard_keys()
    assert {"post", "audit_log"} <= set(keys), "docs/deployment.md lists no shard keys"
    rows, problems = check(recorded, declared_indexes(), keys)
    report = table(rows)
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, "queries.txt"), "w", encoding="utf-8") as written:
        written.write(report + "\n")
    print("\n" + report)
    assert not problems, "\n".join(problems)
    commands = defaultdict(set)
    for query in recorded:
        commands[query.collection].add(query.command)
    assert {"find", "count_documents"} <= commands["post"], "the pages' queries were not recorded"
