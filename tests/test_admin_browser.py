"""The activity panel in a real browser: its script runs under the CSP and refreshes the list."""
import pytest

from blog.admin import routes as admin_routes
from conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_the_activity_panel_shows_new_entries_without_a_reload(live_server, page, admin,
                                                               make_post, monkeypatch):
    monkeypatch.setattr(admin_routes, "ACTIVITY_REFRESH_SECONDS", 1)
    problems = []
    # Errors, such as a script the CSP blocks; the missing favicon's 404 is not one.
    page.on("console", lambda message: message.type == "error" and "404" not in message.text
            and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server}/auth/login")
    page.fill("input[name=email]", admin.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server}/admin/")
    assert page.locator(".activity-list li", has_text="<b>Fresh</b> news").count() == 0

    make_post(admin, title="<b>Fresh</b> news")

    page.locator(".activity-list li", has_text="<b>Fresh</b> news").wait_for(timeout=5000)
    assert page.locator(".activity-list b").count() == 0, "text, not markup"
    assert "Updated" in page.text_content(".activity-status")
    assert problems == []
