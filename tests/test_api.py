"""Every JSON endpoint: its success shape and each of its error shapes."""

import pytest
from mongoengine import NotUniqueError

from blog import create_app, disconnect_db
from conftest import PASSWORD, make_config
from helpers import csrf_token

POST_FIELDS = {"id", "slug", "title", "excerpt", "tags", "status", "author", "createdAt",
               "updatedAt", "publishedAt", "commentCount"}
ADMIN_ENDPOINTS = ["/api/users", "/api/stats", "/api/audit"]


def assert_ok(response, paged=True):
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert body["success"] is True and "data" in body
    if paged:
        assert set(body["metadata"]) == {"total", "page", "limit", "totalPages"}
    return body


def assert_error(response, status, code):
    assert response.status_code == status and response.is_json
    body = response.get_json()
    assert body == {"success": False, "error": {"code": code, "message": body["error"]["message"]}}
    assert body["error"]["message"] and "Traceback" not in body["error"]["message"]
    return body["error"]["message"]


@pytest.fixture
def author(make_user):
    return make_user(email="ann@example.com", name="Ann")


@pytest.fixture
def posts(author, make_post, make_user):
    other = make_user(email="bob@example.com", name="Bob")
    made = [make_post(author, title=f"Post {number}", tags=["ink"] if number % 2 else ["paper"])
            for number in range(12)]
    made.append(make_post(other, title="By Bob", tags=["ink"]))
    made.append(make_post(author, title="Hidden draft", status="draft"))
    return made


def test_posts_are_published_ones_newest_first_in_pages(client, posts):
    body = assert_ok(client.get("/api/posts?limit=5&page=2"))
    assert body["metadata"] == {"total": 13, "page": 2, "limit": 5, "totalPages": 3}
    assert [item["title"] for item in body["data"]] == ["Post 7", "Post 6", "Post 5", "Post 4",
                                                        "Post 3"]
    item = body["data"][0]
    assert set(item) == POST_FIELDS and item["status"] == "published"
    assert item["author"]["name"] == "Ann" and item["publishedAt"].endswith("Z")


def test_posts_by_tag_author_and_words(client, posts, author):
    assert assert_ok(client.get("/api/posts?tag=INK"))["metadata"]["total"] == 7
    assert assert_ok(client.get(f"/api/posts?author={author.pk}"))["metadata"]["total"] == 12
    found = assert_ok(client.get("/api/posts?q=bob"))["data"]
    assert [item["title"] for item in found] == ["By Bob"]


def test_limit_is_capped_at_100(client, posts):
    assert assert_ok(client.get("/api/posts?limit=1000"))["metadata"]["limit"] == 100


@pytest.mark.parametrize("query, status, code, named", [
    ("page=0", 400, "bad_request", "page"),
    ("page=two", 400, "bad_request", "page"),
    ("limit=0", 400, "bad_request", "limit"),
    ("limit=-1", 400, "bad_request", "limit"),
    ("author=someone", 400, "bad_request", "author"),
    ("q=" + "x" * 201, 400, "bad_request", "q"),
    ("tag=" + "x" * 31, 400, "bad_request", "tag"),
    ("page=99", 404, "not_found", ""),
])
def test_bad_post_parameters(client, posts, query, status, code, named):
    assert named in assert_error(client.get(f"/api/posts?{query}"), status, code)


def test_one_post(client, posts):
    body = assert_ok(client.get("/api/posts/post-3"), paged=False)
    assert set(body["data"]) == POST_FIELDS | {"content", "html"}
    assert body["data"]["title"] == "Post 3"
    assert_error(client.get("/api/posts/hidden-draft"), 404, "not_found")
    assert_error(client.get("/api/posts/no-such-post"), 404, "not_found")
    assert_error(client.get("/api/posts/" + "x" * 101), 404, "not_found")


def test_users_for_admins(client_for, admin, author):
    body = assert_ok(client_for(admin).get("/api/users?search=ANN&limit=1"))
    assert body["metadata"] == {"total": 1, "page": 1, "limit": 1, "totalPages": 1}
    assert body["data"][0]["email"] == "ann@example.com" and body["data"][0]["points"] == 100
    assert "password" not in str(body) and "session" not in str(body)
    assert_error(client_for(admin).get("/api/users?search=" + "x" * 101), 400, "bad_request")
    assert_error(client_for(admin).get("/api/users?page=9"), 404, "not_found")


def test_stats_for_admins(client_for, admin, posts):
    body = assert_ok(client_for(admin).get("/api/stats"), paged=False)
    assert {"usersByRole", "postsByMonth", "topTags"} <= set(body["data"])
    assert body["data"]["topTags"][0] == {"tag": "ink", "count": 7}


def test_audit_for_admins(client_for, admin, author):
    body = assert_ok(client_for(admin).get("/api/audit?action=create&collection=user"))
    assert body["metadata"]["total"] == 2
    assert {item["label"] for item in body["data"]} == {"admin@example.com", "ann@example.com"}
    assert_error(client_for(admin).get("/api/audit?action=explode"), 400, "bad_request")


@pytest.mark.parametrize("path", ADMIN_ENDPOINTS)
def test_admin_endpoints_need_an_admin_session(client, client_for, author, path):
    assert_error(client.get(path), 401, "unauthorized")
    assert_error(client_for(author).get(path), 403, "forbidden")


def test_unknown_paths_and_methods_answer_in_json(client):
    assert_error(client.get("/api/nothing"), 404, "not_found")
    response = client.post("/api/posts")
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_gets_need_no_csrf_token(client, admin, posts):
    assert_ok(client.get("/api/posts"))
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = csrf_token(login_page)
    client.post("/auth/login", data={"csrf_token": token, "email": admin.email,
                                     "password": PASSWORD})
    assert_ok(client.get("/api/users"))


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": True,
                                         "API_RATE_LIMIT": "3 per minute"}])
def test_too_many_requests_share_one_budget(client, posts):
    for path in ["/api/posts", "/api/posts/post-1", "/api/stats"]:
        assert client.get(path).status_code in (200, 401)
    response = client.get("/api/posts")
    assert_error(response, 429, "too_many_requests")
    assert response.headers["Retry-After"].isdigit()


def test_a_conflict_is_a_409(app):
    app.add_url_rule("/api/conflict", "conflict",
                     lambda: (_ for _ in ()).throw(NotUniqueError("E11000 duplicate key")))
    assert assert_error(app.test_client().get("/api/conflict"), 409, "conflict") == \
        "That already exists."


def test_an_unreachable_database_is_a_503_with_retry_after():
    app = create_app(make_config(MONGODB_URI="mongodb://127.0.0.1:9/blog", MONGODB_TIMEOUT_MS=200))
    try:
        client = app.test_client()
        for path in ["/api/posts", "/api/posts/anything"]:
            response = client.get(path)
            assert_error(response, 503, "unavailable")
            assert response.headers["Retry-After"].isdigit()
    finally:
        disconnect_db(app)
