"""Who may use the admin pages and the admin API: every route, every kind of visitor."""
import pytest

from blog import create_app, disconnect_db
from blog.models.comment import Comment
from conftest import make_config

VISITORS = ("anonymous", "user", "moderator", "admin")
ADMIN_API = ("/api/users", "/api/stats", "/api/audit")


def admin_routes():
    """Every (rule, method) under /admin, read from a real app's URL map."""
    app = create_app(make_config())
    try:
        return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                      if rule.rule.startswith("/admin")
                      for method in rule.methods - {"HEAD", "OPTIONS"})
    finally:
        disconnect_db(app)


ADMIN_ROUTES = admin_routes()


def test_the_admin_routes_were_found():
    rules = {rule for rule, _ in ADMIN_ROUTES}
    assert {"/admin/", "/admin/users", "/admin/audit", "/admin/users/<user_id>/role"} <= rules


@pytest.fixture
def visit(client, make_user, client_for):
    """A client for the given kind of visitor."""
    def make(visitor):
        if visitor == "anonymous":
            return client
        return client_for(make_user(email=f"{visitor}@example.com", role=visitor))
    return make


def fill(rule, target, comment):
    """The rule with its variables filled in with a real user's and comment's ids."""
    path = rule.replace("<user_id>", str(target.pk)).replace("<comment_id>", str(comment.pk))
    assert "<" not in path, f"give {rule} a value for its variables in this test"
    return path


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("rule, method", ADMIN_ROUTES)
def test_admin_pages_let_only_admins_in(app, rule, method, visitor, visit, make_user,
                                        make_post):
    """And moderators into the comment queue, the one admin page they need."""
    target = make_user(email="target@example.com")
    with app.app_context():
        comment = Comment(post=make_post(target), author=target, body="Hello.")
        comment.save()
    client = visit(visitor)
    path = fill(rule, target, comment)
    data = {"role": "moderator", "points": "5", "status": "visible"} if method == "POST" \
        else None
    response = client.open(path, method=method, data=data, follow_redirects=False)
    if visitor == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")
    elif visitor == "user" or (visitor == "moderator"
                               and not rule.startswith("/admin/comments")):
        assert response.status_code == 403
    else:
        if response.status_code == 302:
            response = client.get(response.headers["Location"])
        assert response.status_code == 200


@pytest.mark.parametrize("visitor, status", [
    ("anonymous", 401), ("user", 403), ("moderator", 403), ("admin", 200),
])
@pytest.mark.parametrize("path", ADMIN_API)
def test_the_admin_api_answers_in_json(path, visitor, status, visit):
    response = visit(visitor).get(path)
    assert response.status_code == status
    body = response.get_json()
    assert body["success"] is (status == 200)
    if status != 200:
        assert body["error"]["code"] == {401: "unauthorized", 403: "forbidden"}[status]


def test_only_admins_see_the_admin_link_and_history_links(visit, make_user, make_post):
    author = make_user(email="author@example.com")
    post = make_post(author, title="Linked")
    for visitor in VISITORS:
        client = visit(visitor)
        home = client.get("/").get_data(as_text=True)
        page = client.get(f"/posts/{post.slug}").get_data(as_text=True)
        profile = client.get(f"/users/{author.pk}").get_data(as_text=True)
        shown = visitor == "admin"
        assert ('href="/admin/"' in home) is shown, visitor
        assert (f'href="/admin/audit?document={post.pk}"' in page) is shown, visitor
        assert (f'href="/admin/audit?document={author.pk}"' in profile) is shown, visitor
        assert (f'href="/admin/audit?actor={author.pk}"' in profile) is shown, visitor


def test_moderators_edit_and_archive_any_post_but_not_admin_pages(visit, make_user, make_post):
    post = make_post(make_user(email="author@example.com"), title="Not theirs")
    moderator = visit("moderator")
    response = moderator.post(f"/posts/{post.slug}/edit", data={
        "title": "Not theirs", "content": "Edited by a moderator.", "tags": "",
        "status": "archived"})
    assert response.status_code == 302
    assert post.reload().status == "archived"
    assert moderator.get("/admin/").status_code == 403
