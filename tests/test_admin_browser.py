"""The admin pages in a real browser: the activity panel (its script runs under the CSP and
redraws the list as the page drew it), and the audit history and users list at a phone's and
a desktop's width."""
import re

import pytest
from playwright.sync_api import expect

from blog.admin import routes as admin_routes
from conftest import PASSWORD
from pages import build_site, log_in

pytestmark = pytest.mark.browser


def test_the_activity_panel_shows_new_entries_without_a_reload(live_server, page, admin,
                                                               make_post, monkeypatch):
    monkeypatch.setattr(admin_routes, "ACTIVITY_REFRESH_SECONDS", 1)
    problems = []
    # Errors, such as a script the CSP blocks, or a file that is not there (a 404).
    page.on("console", lambda message: message.type == "error"
            and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/")
    assert page.locator(".activity-list li", has_text="<b>Fresh</b> news").count() == 0

    login = page.locator(".activity-list li", has_text="login")
    drawn_by_the_page = line_shown(login)
    assert drawn_by_the_page == {"time": drawn_by_the_page["time"], "name": "Ada Admin",
                                 "email": admin.email,
                                 "link": f"/admin/audit?document={admin.pk}"}

    post = make_post(admin, title="<b>Fresh</b> news")

    fresh = page.locator(".activity-list li", has_text="<b>Fresh</b> news")
    fresh.wait_for(timeout=5000)
    assert page.locator(".activity-list b").count() == 0, "text, not markup"
    assert re.fullmatch(r"Updated at \d\d:\d\d:\d\d UTC\. Full history →",
                        page.text_content(".activity-status").strip())
    assert line_shown(fresh)["link"] == f"/admin/audit?document={post.pk}"
    # The script draws the lines as the page did: name, email on hover, UTC time, link.
    assert line_shown(login) == drawn_by_the_page
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", drawn_by_the_page["time"])
    assert problems == []


def line_shown(item):
    """What an activity line shows: the time, the actor's name and email, the history link."""
    return {"time": item.locator("time").text_content(),
            "name": item.locator("strong").text_content(),
            "email": item.locator("strong").get_attribute("title"),
            "link": item.locator("a").get_attribute("href")}


@pytest.fixture
def site(app, make_user, make_post):
    return build_site(app, make_user, make_post)


@pytest.mark.parametrize("width, height", [(390, 844), (1280, 800)])
def test_audit_entries_take_a_few_lines_and_users_show_every_column(live_server, page,
                                                                    screenshot, site, width,
                                                                    height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, site.emails["admin"])
    page.goto(f"{live_server}/admin/audit")
    rows = page.locator("table.audit tbody tr")
    assert rows.count() == 25
    heights = rows.evaluate_all("rows => rows.map(row => row.getBoundingClientRect().height)")
    assert max(heights) < 0.45 * height, "an entry takes a few lines, not a screen"
    if width == 1280:
        changes = page.locator("table.audit td.changes").first.bounding_box()
        assert changes["width"] > 380, "values have room, rather than breaking mid-word"
    # The writer's edit of the long post (the other updates approve comments).
    edit = rows.filter(has=page.locator(".badge-action", has_text="update")).filter(
        has_not_text="pending")
    expect(edit.locator("ins")).to_have_text(["Updated at the very end."])
    screenshot(f"audit-{width}")

    page.goto(f"{live_server}/admin/users")
    for link in page.locator("table.users tbody a", has_text="History").all():
        box = link.bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, "every column is on screen"
    screenshot(f"users-{width}")
