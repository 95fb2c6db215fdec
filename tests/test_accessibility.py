"""axe-core (WCAG 2.1 A and AA) finds nothing on any page, as a visitor, a user and an
admin, at phone and desktop width; nor on any form of those pages once it shows its
errors (each form in a page's main part with a field to type in is sent with those
fields empty, the browser's own checks off, as a person who skips them would).

On the same walk, the keyboard: every page's first stop is its "Skip to content" link, and
at a phone's width, tabbing backward from the end of the page (up to ``BACKWARD_STOPS``
stops) never leaves the focus under the sticky header."""
import pytest

from checkers import axe_problems
from pages import ROLES, build_site, walk

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# Forms to send empty: one of each kind on the page (the admin's users page has a points
# form per user), each named by its index among the page's forms.
FORMS_TO_SEND = """() => {
  const typed = 'input:not([type=hidden], [type=checkbox], [type=radio], [type=submit], '
    + '[type=button], [type=file]), textarea';
  const seen = new Set();
  const chosen = [];
  document.querySelectorAll("main form[method=post]").forEach((form, index) => {
    const fields = [...form.querySelectorAll(typed)].filter((field) => field.getClientRects().length);
    const kind = fields.map((field) => field.name).join(" ");
    if (fields.length && !seen.has(kind)) {
      seen.add(kind);
      chosen.push(index);
    }
  });
  return chosen;
}"""

SEND_EMPTY = """(index) => {
  const form = document.querySelectorAll("main form[method=post]")[index];
  form.noValidate = true;
  for (const field of form.querySelectorAll("input:not([type=hidden]), textarea")) {
    if (!["checkbox", "radio", "submit", "button", "file"].includes(field.type)) field.value = "";
  }
  form.requestSubmit();
}"""

BACKWARD_STOPS = 40

SKIP_LINK_FIRST = """() => {
  const first = document.querySelector('a[href], button, input:not([type=hidden]), select, '
    + 'textarea, [tabindex]:not([tabindex="-1"])');
  return first !== null && first.matches('a.skip-link[href="#main"]')
    && document.querySelector("main#main") !== null;
}"""

START_AT_THE_END = """() => {
  document.activeElement.blur();
  window.scrollTo(0, document.documentElement.scrollHeight);
}"""

# The focused element, when the sticky header covers its top edge.
UNDER_THE_HEADER = """() => {
  const element = document.activeElement;
  const header = document.querySelector(".site-header");
  if (!element || element === document.body || header.contains(element)) return null;
  const box = element.getBoundingClientRect();
  const bottom = header.getBoundingClientRect().bottom;
  const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
  const top = document.elementFromPoint(x, Math.max(box.top + 1, 0));
  if (box.top >= bottom - 1 || !header.contains(top)) return null;
  return `<${element.tagName.toLowerCase()}> "${(element.textContent || element.name || "").trim()
    .slice(0, 40)}" at ${Math.round(box.top)} px, under the header (to ${Math.round(bottom)} px)`;
}"""

SHOWS_ERRORS = """() => document.querySelectorAll(
  '.field-errors, .form-errors, [aria-invalid="true"]').length > 0"""


@pytest.fixture
def site(app, make_user, make_post):
    return build_site(app, make_user, make_post)


@pytest.mark.parametrize("role", ROLES)
def test_axe_finds_nothing_on_any_page_or_form_with_errors(app, live_server, page, site, role):
    problems, forms_with_errors = [], set()

    def check(page, endpoint, width):
        problems.extend(axe_problems(page, f"{endpoint} at {width} width"))
        if not page.evaluate(SKIP_LINK_FIRST):
            problems.append(f"skip link: {endpoint} does not start with one to main#main")
        if width == "phone":
            problems.extend(f"focus under the header on {endpoint}: {problem}"
                            for problem in _backward_tab_stops(page))
        address = page.url
        for index in page.evaluate(FORMS_TO_SEND):
            if page.url != address:
                page.goto(address)
            with page.expect_navigation():
                page.evaluate(SEND_EMPTY, index)
            if page.evaluate(SHOWS_ERRORS):
                forms_with_errors.add(endpoint)
                problems.extend(axe_problems(
                    page, f"{endpoint}'s form {index + 1} with errors at {width} width"))

    visited = walk(page, live_server, app, site, role, check)

    assert not problems, "axe-core found:\n" + "\n".join(problems)
    assert {"posts.index", "posts.show", "search.results", "users.profile"} <= visited
    expected_forms = {"visitor": {"auth.login", "auth.register", "accounts.reset_password"},
                      "user": {"posts.new", "posts.edit", "accounts.change_password",
                               "accounts.delete_account"},
                      "admin": {"admin.users", "users.settings", "users.profile"}}[role]
    assert expected_forms <= forms_with_errors, "these forms showed no errors when sent empty"


def _backward_tab_stops(page):
    """Where the focus ends under the header, tabbing backward from the end of the page."""
    page.evaluate(START_AT_THE_END)
    hidden = []
    for _ in range(BACKWARD_STOPS):
        page.keyboard.press("Shift+Tab")
        problem = page.evaluate(UNDER_THE_HEADER)
        if problem:
            hidden.append(problem)
        if page.evaluate("() => document.activeElement.matches('a.skip-link')"):
            break
    return hidden
