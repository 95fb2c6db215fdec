"""What a person who uses the keyboard meets: a "Skip to content" link first, focus that
never stops under the sticky header, a focus outline that stands out at 3:1 or more, and an
admin activity panel that speaks only when something new happened. (Every page's skip link
and backward tab stops are checked on the walk of ``test_accessibility.py``.)"""
import re

import pytest

from blog.admin import routes as admin_routes
from pages import build_site, log_in

pytestmark = pytest.mark.browser

# WCAG 2.1's least contrast for what is not text (1.4.11), a focus indicator included.
MIN_FOCUS_CONTRAST = 3.0

# The focused element's outline, and the colour behind it: the first ancestor's opaque
# background.
FOCUS_LOOK = """() => {
  const field = document.activeElement;
  const style = getComputedStyle(field);
  let behind = field.parentElement;
  while (behind && /rgba\\(.*, 0\\)|transparent/.test(getComputedStyle(behind).backgroundColor)) {
    behind = behind.parentElement;
  }
  return {name: field.name || field.tagName, outline: style.outlineColor, style: style.outlineStyle,
          width: parseFloat(style.outlineWidth), field: style.backgroundColor,
          behind: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"};
}"""


def channels(colour):
    """``rgb(…)`` or ``rgba(…)`` as red, green, blue (0 to 255) and alpha (0 to 1)."""
    parts = [float(part) for part in re.findall(r"[\d.]+", colour)]
    return parts[:3], parts[3] if len(parts) > 3 else 1.0


def luminance(rgb):
    linear = [part / 12.92 if part <= 0.03928 else ((part + 0.055) / 1.055) ** 2.4
              for part in (value / 255 for value in rgb)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(colour, behind):
    """The contrast of ``colour`` (see-through or not) laid over the opaque ``behind``."""
    (rgb, alpha), (under, _) = channels(colour), channels(behind)
    shown = [alpha * top + (1 - alpha) * bottom for top, bottom in zip(rgb, under)]
    lighter, darker = sorted((luminance(shown), luminance(under)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def site(app, make_user, make_post):
    return build_site(app, make_user, make_post)


def test_the_skip_link_comes_first_and_leads_past_the_header(live_server, page, site):
    page.goto(f"{live_server}/posts/{site.values['slug'][0]}")
    page.keyboard.press("Tab")
    skip = page.evaluate("""() => {
      const link = document.activeElement;
      const box = link.getBoundingClientRect();
      return {text: link.textContent, top: box.top, height: box.height};
    }""")
    assert skip["text"] == "Skip to content"
    assert skip["top"] >= 0 and skip["height"] > 0, "the link shows once it has the focus"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('main') !== null"), \
        "after the skip link, the next stop is in the page's content, not the header"


@pytest.mark.parametrize("role, path", [("visitor", "/auth/register"), ("user", "/posts/new"),
                                        ("visitor", "/search?q=caching")])
def test_a_focused_field_has_an_outline_of_3_to_1(live_server, page, site, role, path):
    if role != "visitor":
        log_in(page, live_server, site.emails[role])
    page.goto(f"{live_server}{path}")
    looks = []
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.matches('main input, main select, main textarea')"):
            looks.append(page.evaluate(FOCUS_LOOK))
    assert looks, "no field was reached by keyboard"
    for look in looks:
        assert look["style"] != "none" and look["width"] >= 2, look
        assert contrast(look["outline"], look["behind"]) >= MIN_FOCUS_CONTRAST, look
        assert contrast(look["outline"], look["field"]) >= MIN_FOCUS_CONTRAST, look


# Each field's edge and the colour around it, for the fields a person types into.
FIELD_EDGES = """() => [...document.querySelectorAll(
    'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]), main select, main textarea')]
  .map((field) => {
    let behind = field.parentElement;
    while (behind && /rgba\\(.*, 0\\)|transparent/.test(getComputedStyle(behind).backgroundColor)) {
      behind = behind.parentElement;
    }
    return {name: field.name, edge: getComputedStyle(field).borderTopColor,
            behind: behind ? getComputedStyle(behind).backgroundColor : "rgb(255, 255, 255)"};
  })"""


@pytest.mark.parametrize("role, path", [("visitor", "/auth/register"), ("user", "/posts/new")])
def test_a_field_s_edge_stands_out_at_3_to_1(live_server, page, site, role, path):
    """A field is found by its border (WCAG 2.1, 1.4.11), before it has the focus."""
    if role != "visitor":
        log_in(page, live_server, site.emails[role])
    page.goto(f"{live_server}{path}")
    edges = page.evaluate(FIELD_EDGES)
    assert edges, "no field on the page"
    for edge in edges:
        assert contrast(edge["edge"], edge["behind"]) >= MIN_FOCUS_CONTRAST, edge

# Every change to the panel, as a list of what changed.
WATCH_PANEL = """() => {
  window.panelChanges = [];
  new MutationObserver((records) => records.forEach((record) => window.panelChanges.push({
    type: record.type, added: record.addedNodes.length, removed: record.removedNodes.length,
    live: record.target.closest("[aria-live]") !== null})))
    .observe(document.getElementById("activity"),
             {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def test_the_activity_panel_speaks_only_of_new_entries(live_server, page, site, make_post,
                                                       make_user, monkeypatch):
    monkeypatch.setattr(admin_routes, "ACTIVITY_REFRESH_SECONDS", 1)
    newcomer = make_user(email="new.writer@example.com")
    log_in(page, live_server, site.emails["admin"])
    page.goto(f"{live_server}/admin/")
    live = page.locator("#activity [aria-live]")
    assert live.evaluate_all("nodes => nodes.map(node => node.className)") == ["activity-list"], \
        "only the list is a live region: not the heading, nor the status line"
    page.evaluate(WATCH_PANEL)
    with page.expect_response(lambda response: "/admin/activity.json" in response.url):
        pass
    with page.expect_response(lambda response: "/admin/activity.json" in response.url):
        pass
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.panelChanges") == [], \
        "two refreshes with nothing new left the panel as it was"

    make_post(newcomer, title="Fresh news")
    page.locator(".activity-list li", has_text="Fresh news").wait_for(timeout=5000)
    changes = page.evaluate("() => window.panelChanges")
    in_the_list = [change for change in changes if change["live"]]
    assert sum(change["added"] for change in in_the_list) == 1, \
        "the new entry alone is added, not the whole list again"
