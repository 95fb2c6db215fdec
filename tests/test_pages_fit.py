"""Every page fits a phone (390 px) and a desktop (1280 px), as a visitor, a user and an
admin: no sideways scroll, no clipped text, chart text inside its chart and readable, a
header of at most two rows, one typeface for headings, and no failed request (favicon
included). Each page is saved under ``test-output/screenshots/``."""
import pytest

from pages import ROLES, build_site, page_urls, walk

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Rendered text in a chart smaller than this is not readable on a phone.
MIN_CHART_TEXT_PX = 10
MAX_HEADER_ROWS = 2

# What a page must not do, from inside the page: a list of problems, each in words.
# On a desktop, a table shows every column without scrolling inside its box either.
LAYOUT_PROBLEMS = """(desktop) => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`the page is ${root.scrollWidth} px wide in a ${root.clientWidth} px window`);
  }
  for (const box of document.querySelectorAll(".table-wrap")) {
    if (desktop && box.scrollWidth > box.clientWidth) {
      problems.push(`a table is ${box.scrollWidth} px wide in a ${box.clientWidth} px box`);
    }
  }
  const visible = (element) => element.getClientRects().length > 0;
  // A form field scrolls its own text, so only other elements can cut text off; text only
  // for screen readers (.visually-hidden) is clipped to nothing on purpose.
  for (const element of document.querySelectorAll("body *:not(input, textarea, select, .visually-hidden)")) {
    const style = getComputedStyle(element);
    const hides = ["hidden", "clip"].includes(style.overflowX);
    if (hides && visible(element) && style.textOverflow !== "ellipsis"
        && element.scrollWidth > element.clientWidth + 1) {
      problems.push(`text cut off in <${element.tagName.toLowerCase()} class="${element.className}">`);
    }
  }
  for (const text of document.querySelectorAll("svg text")) {
    if (!visible(text)) continue;
    const view = text.ownerSVGElement.viewBox.baseVal;
    const box = text.getBBox();
    if (box.x < view.x - 0.5 || box.y < view.y - 0.5 || box.x + box.width > view.x + view.width + 0.5
        || box.y + box.height > view.y + view.height + 0.5) {
      problems.push(`chart text "${text.textContent}" runs out of its chart`);
    }
    const shown = parseFloat(getComputedStyle(text).fontSize) * text.getScreenCTM().a;
    if (shown < %(min_text)s) {
      problems.push(`chart text "${text.textContent}" is ${shown.toFixed(1)} px high`);
    }
  }
  const header = [...document.querySelectorAll(".header-row > *, .site-nav > *")].filter(visible);
  const rows = new Set(header.map((element) => Math.round(element.getBoundingClientRect().top / 20)));
  if (rows.size > %(max_rows)s) {
    problems.push(`the header takes ${rows.size} rows`);
  }
  return problems;
}""" % {"min_text": MIN_CHART_TEXT_PX, "max_rows": MAX_HEADER_ROWS}

HEADING_FONTS = """() => [...new Set([...document.querySelectorAll("h1, h2, h3")]
  .filter((heading) => heading.getClientRects().length)
  .map((heading) => getComputedStyle(heading).fontFamily))]"""


@pytest.fixture
def site(app, make_user, make_post):
    return build_site(app, make_user, make_post)


@pytest.mark.parametrize("role", ROLES)
def test_every_page_fits_at_phone_and_desktop_width(app, live_server, page, screenshot, site,
                                                    role):
    failed_requests = []
    page.on("response", lambda response: response.status >= 400 and not response.request
            .is_navigation_request() and failed_requests.append(response.url))
    problems, heading_fonts = [], set()

    def check(page, endpoint, width):
        problems.extend(f"{endpoint} at {width} width: {problem}"
                        for problem in page.evaluate(LAYOUT_PROBLEMS, width == "desktop"))
        heading_fonts.update(page.evaluate(HEADING_FONTS))
        screenshot(f"{role}-{width}-{endpoint}")

    visited = walk(page, live_server, app, site, role, check)

    assert not problems, "\n".join(problems)
    assert len(heading_fonts) == 1, heading_fonts
    assert failed_requests == [], "a page asked for something that is not there"
    pages = {endpoint for endpoint, _ in page_urls(app, site)}
    assert {"posts.index", "posts.show", "posts.tag", "posts.tags", "search.results",
            "users.profile", "auth.login"} <= visited <= pages
    if role == "admin":
        assert {"admin.dashboard", "admin.users", "admin.audit", "posts.edit"} <= visited
