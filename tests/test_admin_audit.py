"""The audit history page and API: filters, paging, the diff view, and the activity panel."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from bson import ObjectId

from blog.services import audit
from blog.models import AuditLog

START = datetime(2025, 1, 1, 12, tzinfo=timezone.utc)
ANN_ID, POST_ID = ObjectId(), ObjectId()


def add_entry(number, **fields):
    values = {"at": START + timedelta(hours=number), "actor": "system", "action": "update",
              "collection": "post", "label": f"entry {number:03d}"}
    values.update(fields)
    return AuditLog(**values).save()


@pytest.fixture
def history(app):
    """70 entries an hour apart from 1 January 2025 12:00, of every kind the filters tell apart."""
    with app.app_context():
        for number in range(70):
            kind = number % 5
            if kind == 0:
                add_entry(number, action="login", collection="user", actor="ann@example.com",
                          actor_id=ANN_ID, document_id=ANN_ID)
            elif kind == 1:
                add_entry(number, actor="ann@example.com", actor_id=ANN_ID, document_id=POST_ID,
                          changes={"title": [f"Old {number}", f"New {number}"]})
            elif kind == 2:
                add_entry(number, action="create", actor="cli", document_id=ObjectId())
            elif kind == 3:
                add_entry(number, action="delete", actor="bob@example.com", actor_id=ObjectId())
            else:
                add_entry(number, action="role_change", collection="user",
                          changes={"role": ["user", "admin"]})


@pytest.fixture
def admin_client(app, make_user, history):
    """An admin's client, made without entries of its own so that only the 70 are listed."""
    with app.app_context(), audit.suppressed():
        admin = make_user(email="admin@example.com", role="admin")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
    return client


def labels(response):
    return [item["label"] for item in response.get_json()["data"]]


def labels_on_page(response):
    return re.findall(r"entry \d{3}", response.get_data(as_text=True))


def test_newest_first_25_a_page(admin_client):
    first = admin_client.get("/admin/audit")
    assert first.status_code == 200
    assert labels_on_page(first) == [f"entry {n:03d}" for n in range(69, 44, -1)]
    third = admin_client.get("/admin/audit?page=3")
    assert labels_on_page(third) == [f"entry {n:03d}" for n in range(19, -1, -1)]
    assert admin_client.get("/admin/audit?page=4").status_code == 404


@pytest.mark.parametrize("query, expected", [
    ("action=login", lambda n: n % 5 == 0),
    ("collection=user", lambda n: n % 5 in (0, 4)),
    ("actor=ann@example.com", lambda n: n % 5 in (0, 1)),
    ("actor=ANN@Example.com", lambda n: n % 5 in (0, 1)),
    (f"actor={ANN_ID}", lambda n: n % 5 in (0, 1)),
    ("actor=cli", lambda n: n % 5 == 2),
    (f"document={POST_ID}", lambda n: n % 5 == 1),
    ("from=2025-01-02", lambda n: n >= 12),
    ("to=2025-01-01", lambda n: n < 12),
    ("from=2025-01-02&to=2025-01-02", lambda n: 12 <= n < 36),
    ("from=2025-01-02T06:00:00Z&to=2025-01-02T08:00:00Z", lambda n: n in (18, 19)),
    ("action=update&actor=ann@example.com&from=2025-01-02", lambda n: n % 5 == 1 and n >= 12),
    ("action=update&collection=user", lambda n: False),
])
def test_filters_alone_and_combined(admin_client, query, expected):
    wanted = [f"entry {n:03d}" for n in range(69, -1, -1) if expected(n)]
    body = admin_client.get(f"/api/audit?limit=100&{query}").get_json()
    assert [item["label"] for item in body["data"]] == wanted
    assert body["metadata"]["total"] == len(wanted)
    page = admin_client.get(f"/admin/audit?{query}")
    assert labels_on_page(page) == wanted[:25]
    assert f'<span class="count">{len(wanted)}</span>' in page.get_data(as_text=True)


def test_a_bulk_summary_is_found_by_its_collections(admin_client):
    add_entry(100, action="create", collection="post,user", label="seed: 2 posts, 1 user")
    assert labels(admin_client.get("/api/audit?collection=post,user")) == ["seed: 2 posts, 1 user"]


def test_the_pager_keeps_the_filters(admin_client):
    page = admin_client.get("/admin/audit?collection=post").get_data(as_text=True)
    assert "/admin/audit?collection=post&amp;page=2" in page


@pytest.mark.parametrize("query", [
    "action=bogus", "action=$gt", "collection=$ne", "collection=" + "x" * 41,
    "document=abc", "document=" + "g" * 24, "from=yesterday", "from=2025-13-01",
    "to=9999-12-31T99", "from=2025-02-01&to=2025-01-01", "actor=" + "a" * 255, "page=0",
    "from=0001-01-01T00:00:00%2B01:00", "to=9999-12-31T23:59:59-01:00",
])
def test_bad_filters_are_a_400_not_a_500(admin_client, query):
    assert admin_client.get(f"/admin/audit?{query}").status_code == 400
    response = admin_client.get(f"/api/audit?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_a_bad_filter_answers_the_page_with_the_filters_kept_and_the_reason_beside_it(
        admin_client):
    response = admin_client.get("/admin/audit?action=update&actor=ann@example.com"
                                "&document=not-an-id")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<option value="update" selected>' in html
    assert 'id="filter-actor" name="actor" value="ann@example.com"' in html
    field = html[html.index('<div class="filter has-error">'):]
    field = field[:field.index("</div>")]
    assert 'id="filter-document" name="document" value="not-an-id"' in field
    assert 'aria-invalid="true" aria-describedby="filter-document-error"' in field
    assert ('<p class="field-errors" id="filter-document-error" role="alert">“document” must be '
            'a document id (24 hexadecimal digits).</p>') in field
    assert html.count("has-error") == 1 and "<table" not in html


@pytest.mark.parametrize("query", ['actor={"$gt": ""}', "actor[$ne]=x&action[$ne]=x",
                                   "actor=.*", "actor=^ann"])
def test_filter_values_are_literal(admin_client, query):
    body = admin_client.get(f"/api/audit?{query}").get_json()
    total = body["metadata"]["total"]
    assert total == (70 if "[$ne]" in query else 0)


def test_the_diff_reads_old_to_new_and_hides_secrets(admin_client):
    add_entry(100, changes={"title": ["Before", "After"], "tags": [["a", "b"], ["a"]],
                            "published_at": [None, "2025-01-05T10:00:00.000+00:00"],
                            "password": "changed"})
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert '<dt>title</dt>' in html
    assert '<del>Before</del> <span class="diff-arrow" aria-hidden="true">→</span><span class="visually-hidden">changed to</span> <ins>After</ins>' in html
    assert '<del>a, b</del>' in html and '<ins>a</ins>' in html
    assert re.search(r'<dt>published_at</dt>\s*<dd><ins><time datetime="2025-01-05T10:00:00.000'
                     r'\+00:00">2025-01-05 10:00:00</time></ins></dd>', html), "set, from nothing"
    assert re.search(r'<dt>password</dt>\s*<dd><span class="diff-redacted">changed</span></dd>',
                     html)


def changes_shown(admin_client, entry_changes):
    """The Changes cell of the newest entry once it has ``entry_changes``."""
    add_entry(100, changes=entry_changes)
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    return re.search(r'<td data-label="Changes" class="changes">(.*?)</td>', html, re.S)[1]


def test_a_long_text_changed_at_its_end_shows_the_words_that_changed(admin_client):
    words = " ".join(f"word{n}" for n in range(150))
    shown = changes_shown(admin_client, {"content": [f"{words} and the old ending.",
                                                     f"{words} and a new ending."]})
    assert re.findall(r"<del>(.*?)</del>", shown) == ["the", "old"]
    assert re.findall(r"<ins>(.*?)</ins>", shown) == ["a", "new"]
    assert shown.count('class="diff-fold"') == 1, "the unchanged start is folded"
    assert "word10 " not in shown and "word149 and" in shown
    assert len(re.sub(r"<[^>]+>", "", shown).split()) < 20


def test_a_long_text_added_whole_shows_its_start(admin_client):
    text = "Lorem ipsum " * 100
    shown = changes_shown(admin_client, {"content": ["", text]})
    assert "<ins>Lorem ipsum" in shown and "ipsum…</ins>" in shown
    assert len(" ".join(re.sub(r"<[^>]+>", "", shown).split())) < 200


def test_ids_are_shortened_with_the_whole_id_on_hover(admin_client):
    old, new = str(ObjectId()), str(ObjectId())
    shown = changes_shown(admin_client, {"author": [old, new]})
    assert f'<code class="id" title="{old}">…{old[-8:]}</code>' in shown
    assert f'<code class="id" title="{new}">…{new[-8:]}</code>' in shown
    assert old[:12] not in re.sub(r'title="[^"]*"', "", shown)


def test_entries_are_escaped(admin_client):
    add_entry(100, label="<script>alert(1)</script>",
              changes={"title": ["<b>x</b>", "<img src=x onerror=alert(2)>"]})
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html


def test_entries_link_to_the_history_of_their_document_and_actor(admin_client):
    html = admin_client.get(f"/admin/audit?document={POST_ID}").get_data(as_text=True)
    assert f'href="/admin/audit?document={POST_ID}"' in html
    assert f'href="/admin/audit?actor={ANN_ID}"' in html


def test_api_items(admin_client):
    item = admin_client.get("/api/audit?limit=1&action=update").get_json()["data"][0]
    assert item == {
        "id": item["id"], "at": "2025-01-04T06:00:00Z", "action": "update",
        "collection": "post", "documentId": str(POST_ID), "label": "entry 066",
        "actor": {"id": str(ANN_ID), "name": "ann@example.com"},
        "changes": {"title": ["Old 66", "New 66"]}, "ip": None,
    }


def test_the_activity_feed_gives_the_latest_entries(admin_client):
    body = admin_client.get("/admin/activity.json").get_json()
    assert body["success"] is True
    assert [item["label"] for item in body["data"]] == [f"entry {n:03d}"
                                                        for n in range(69, 54, -1)]
    add_entry(200, label="just now")
    assert admin_client.get("/admin/activity.json").get_json()["data"][0]["label"] == "just now"


def test_the_dashboard_has_the_activity_panel_and_only_its_own_script(admin_client):
    response = admin_client.get("/admin/")
    html = response.get_data(as_text=True)
    assert 'data-source="/admin/activity.json"' in html
    script = re.search(r'<script src="(/static/js/activity\.js\?v=[0-9a-f]{12})" defer></script>',
                       html)
    assert re.findall(r"<script(?![^>]*\ssrc=)", html) == [], "the CSP forbids inline script"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert len(re.findall(r'<li data-entry="[0-9a-f]{24}"><time datetime=', html)) == 15
    assert admin_client.get(script.group(1)).status_code == 200
