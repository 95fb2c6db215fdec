"""User management: the list, literal-text search and role changes."""
import re
from datetime import datetime, timedelta, timezone

import pytest

from blog.models import AuditLog
from conftest import PASSWORD
from helpers import csrf_token, finishes_within


@pytest.fixture
def admin_client(admin, client_for):
    return client_for(admin)


def emails_on(response):
    return [item["email"] for item in response.get_json()["data"]]


def row_of(html, email):
    """The users list's row of the user with this email."""
    return next(row for row in html.split("<tr>") if f'aria-label="Role of {email}"' in row)


def test_the_list_shows_every_column_25_a_page(admin_client, admin, make_user, make_post):
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    users = [make_user(email=f"u{number:02d}@example.com", name=f"User {number:02d}",
                       created_at=start + timedelta(days=number)) for number in range(30)]
    make_post(users[29], title="One")
    make_post(users[29], title="Two", status="draft")
    first = admin_client.get("/admin/users").get_data(as_text=True)
    assert "u29@example.com" in first and "User 29" in first
    # Newest first: the admin, then u29 down to u06 fill the 25 rows of page one.
    assert first.count('class="role-form"') == 25
    assert "u05@example.com" not in first
    row = row_of(first, "u29@example.com")
    assert '<td data-label="Points" class="number">100</td>' in row
    assert '<td data-label="Posts" class="number">2</td>' in row
    assert '<time datetime="2024-01-30T00:00:00Z">2024-01-30</time>' in row
    second = admin_client.get("/admin/users?page=2").get_data(as_text=True)
    assert second.count('class="role-form"') == 6 and "u00@example.com" in second
    assert admin_client.get("/admin/users?page=3").status_code == 404
    assert admin_client.get("/admin/users?page=x").status_code == 400


def test_search_matches_email_or_name_ignoring_case(admin_client, make_user):
    make_user(email="grace@example.com", name="Grace Hopper")
    make_user(email="alan@example.com", name="Alan Turing")
    make_user(email="hopper.fan@example.com", name="Fan")
    found = emails_on(admin_client.get("/api/users?search=HOPPER"))
    assert sorted(found) == ["grace@example.com", "hopper.fan@example.com"]
    assert emails_on(admin_client.get("/api/users?search=turing")) == ["alan@example.com"]
    page = admin_client.get("/admin/users?search=Turing").get_data(as_text=True)
    assert "alan@example.com" in page and "grace@example.com" not in page


@pytest.mark.parametrize("text", [".*", "(a+)+$", "[a-z]", "^", "a|b", "\\", "$where"])
def test_search_is_literal_text(admin_client, make_user, text):
    make_user(email="plain@example.com", name="Plain Name")
    make_user(email="odd@example.com", name=f"Odd {text} name")
    found = finishes_within(20, lambda: admin_client.get("/api/users",
                                                         query_string={"search": text}))
    assert emails_on(found) == ["odd@example.com"]
    page = finishes_within(20, lambda: admin_client.get("/admin/users",
                                                        query_string={"search": text}))
    assert page.status_code == 200 and "plain@example.com" not in page.get_data(as_text=True)


def test_catastrophic_backtracking_text_is_harmless(admin_client, make_user):
    make_user(email="aaaa@example.com", name="a" * 60 + "!")
    response = finishes_within(20, lambda: admin_client.get(
        "/api/users", query_string={"search": "(a+)+$" + "a" * 40}))
    assert response.status_code == 200 and emails_on(response) == []


def test_search_longer_than_100_characters_is_refused(admin_client):
    assert admin_client.get("/admin/users", query_string={"search": "x" * 100}).status_code == 200
    assert admin_client.get("/admin/users", query_string={"search": "x" * 101}).status_code == 400
    response = admin_client.get("/api/users", query_string={"search": "x" * 101})
    assert response.status_code == 400 and response.get_json()["success"] is False


def test_an_operator_in_the_query_string_is_only_text(admin_client, make_user):
    make_user(email="someone@example.com")
    literal = admin_client.get("/api/users", query_string={"search": '{"$gt": ""}'})
    assert literal.status_code == 200 and emails_on(literal) == []
    # Not a parameter the endpoint reads: the list is simply not searched.
    unknown = admin_client.get("/api/users", query_string={"search[$gt]": ""})
    assert unknown.status_code == 200 and len(emails_on(unknown)) == 2


def test_api_items_have_exactly_the_public_fields(admin_client, admin):
    response = admin_client.get("/api/users?limit=500")
    body = response.get_json()
    assert body["metadata"] == {"total": 1, "page": 1, "limit": 100, "totalPages": 1}
    item, = body["data"]
    assert set(item) == {"id", "email", "name", "role", "points", "createdAt"}
    assert item == {"id": str(admin.pk), "email": "admin@example.com", "name": "Ada Admin",
                    "role": "admin", "points": 100, "createdAt": item["createdAt"]}
    assert item["createdAt"].endswith("Z")
    text = response.get_data(as_text=True)
    assert admin.password_hash not in text and "session" not in text


def test_api_users_pages(admin_client, make_user):
    for number in range(4):
        make_user(email=f"p{number}@example.com")
    body = admin_client.get("/api/users?limit=2&page=3").get_json()
    assert body["metadata"] == {"total": 5, "page": 3, "limit": 2, "totalPages": 3}
    assert len(body["data"]) == 1
    assert admin_client.get("/api/users?limit=2&page=4").status_code == 404
    assert admin_client.get("/api/users?limit=0").status_code == 400


def test_a_role_change_is_audited_and_shown(admin_client, admin, make_user):
    user = make_user(email="rising@example.com")
    response = admin_client.post(f"/admin/users/{user.pk}/role",
                                 data={"role": "moderator", "next": "/admin/users?search=ris"},
                                 follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/admin/users"
    assert "rising@example.com is now a moderator." in response.get_data(as_text=True)
    assert user.reload().role == "moderator"
    entry = AuditLog.objects(action="role_change").get()
    assert (entry.actor, entry.document_id, entry.label) == ("admin@example.com", user.pk,
                                                             "rising@example.com")
    assert entry.changes == {"role": ["user", "moderator"]}


def test_the_same_role_again_changes_nothing(admin_client, make_user):
    user = make_user(role="moderator")
    admin_client.post(f"/admin/users/{user.pk}/role", data={"role": "moderator"})
    assert AuditLog.objects(action="role_change").count() == 0


def test_bad_role_changes_are_refused_without_a_write(admin_client, make_user):
    user = make_user()
    assert admin_client.post(f"/admin/users/{user.pk}/role",
                             data={"role": "superuser"}).status_code == 400
    assert admin_client.post(f"/admin/users/{user.pk}/role", data={}).status_code == 400
    assert admin_client.post("/admin/users/0123456789abcdef01234567/role",
                             data={"role": "admin"}).status_code == 404
    assert admin_client.post("/admin/users/not-an-id/role",
                             data={"role": "admin"}).status_code == 404
    assert user.reload().role == "user"
    assert AuditLog.objects(action="role_change").count() == 0


def test_a_role_change_goes_back_only_to_this_site(admin_client, make_user):
    user = make_user()
    response = admin_client.post(f"/admin/users/{user.pk}/role",
                                 data={"role": "admin", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/admin/users"


def test_the_last_admin_cannot_be_demoted(admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.pk}/role", data={"role": "user"})
    assert response.status_code == 409
    assert "the last admin" in response.get_data(as_text=True)
    assert admin.reload().role == "admin"
    assert AuditLog.objects(action="role_change").count() == 0


def test_a_refused_role_change_answers_the_list_as_it_was_with_the_reason_beside_it(
        admin_client, admin, make_user):
    for number in range(30):
        make_user(email=f"ada{number:02d}@example.com", name=f"Ada {number:02d}")
    list_url = "/admin/users?search=ada&page=2"
    response = admin_client.post(f"/admin/users/{admin.pk}/role",
                                 data={"role": "moderator", "next": list_url})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    # The same search and page: the admin (the oldest "ada") is on page 2 of 31.
    assert 'id="user-search" name="search" value="ada"' in html
    assert 'aria-current="page">2<' in html and 'href="/admin/users?search=ada&amp;page=1"' in html
    assert html.count('class="role-form"') == 6
    row = row_of(html, admin.email)
    assert '<option value="moderator" selected>' in row, "what was chosen is kept"
    assert re.search(r'<select name="role"[^>]*aria-invalid="true"', row)
    assert re.search(r'class="field-errors"[^>]*role="alert">admin@example.com is the last '
                     r'admin\. Make someone else an admin before changing this role\.</p>', row)
    assert 'name="next" value="/admin/users?search=ada&amp;page=2"' in row, \
        "the next change comes back here too"
    assert "field-errors" not in html.replace(row, "")
    assert admin.reload().role == "admin"


def test_a_refused_grant_keeps_the_number_beside_its_field(admin_client, make_user):
    user = make_user(email="someone@example.com")
    response = admin_client.post(f"/admin/users/{user.pk}/points",
                                 data={"points": "1000000", "next": "/admin/users"})
    assert response.status_code == 400
    row = row_of(response.get_data(as_text=True), user.email)
    assert 'name="points" min="1" max="10000" value="1000000"' in row
    assert "Grant from 1 to 10000 points." in row
    assert user.reload().points == 100


def test_an_admin_can_step_down_while_another_remains(admin_client, admin, make_user):
    make_user(email="other-admin@example.com", role="admin")
    response = admin_client.post(f"/admin/users/{admin.pk}/role", data={"role": "moderator"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/users/{admin.pk}"
    assert admin_client.get("/admin/").status_code == 403


def test_role_changes_take_effect_on_the_next_request(admin_client, make_user, client_for):
    user = make_user(email="promoted@example.com")
    their_client = client_for(user)
    assert their_client.get("/admin/").status_code == 403
    admin_client.post(f"/admin/users/{user.pk}/role", data={"role": "admin"})
    assert their_client.get("/admin/").status_code == 200
    assert their_client.get("/api/audit").status_code == 200
    admin_client.post(f"/admin/users/{user.pk}/role", data={"role": "user"})
    assert their_client.get("/admin/users").status_code == 403
    assert their_client.get("/api/stats").status_code == 403
    assert 'href="/admin/"' not in their_client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_role_changes_need_the_csrf_token(client, admin, make_user):
    user = make_user()
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"email": admin.email, "password": PASSWORD,
                                     "csrf_token": token})
    token = csrf_token(client.get("/admin/users").get_data(as_text=True))
    assert client.post(f"/admin/users/{user.pk}/role", data={"role": "admin"}).status_code == 400
    assert user.reload().role == "user"
    response = client.post(f"/admin/users/{user.pk}/role",
                           data={"role": "admin", "csrf_token": token})
    assert response.status_code == 302 and user.reload().role == "admin"
