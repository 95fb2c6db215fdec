"""The activity panel in a real browser: its script runs under the CSP and refreshes the list."""
import os
import threading

import pytest
from werkzeug.serving import make_server

from blog.admin import routes as admin_routes
from conftest import PASSWORD

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian's Chromium"),
]


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def page():
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser.new_page()
        browser.close()


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
