"""The Nu HTML Checker (vnu.jar) finds no error in any page the blog serves, as a visitor,
a user and an admin, nor in any form of those pages showing its errors (sent with its
fields to type in empty). Each document is saved under ``test-output/html/`` and the
checker runs once over all of them."""
import os
import re
import shutil
from html.parser import HTMLParser

from checkers import vnu_problems
from conftest import OUTPUT, PASSWORD
from pages import ROLES, build_site, page_urls

FOLDER = os.path.join(OUTPUT, "html")
# Fields a person types in; the others (hidden, boxes, buttons) keep their values.
UNTYPED = {"hidden", "checkbox", "radio", "submit", "button", "file", "image", "reset"}


class Forms(HTMLParser):
    """The forms sent by POST in a page's main part: their action, the fields a person
    types in, and the values of the other fields."""

    def __init__(self):
        super().__init__()
        self.forms, self._in_main, self._form = [], False, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "main":
            self._in_main = True
        elif tag == "form" and self._in_main and attrs.get("method", "").lower() == "post":
            self._form = {"action": attrs.get("action") or "", "typed": [], "kept": {}}
            self.forms.append(self._form)
        elif tag in ("input", "textarea", "select") and self._form and attrs.get("name"):
            if tag == "textarea" or (tag == "input" and attrs.get("type", "text") not in UNTYPED):
                self._form["typed"].append(attrs["name"])
            elif tag == "input" and attrs.get("type") == "hidden":
                self._form["kept"][attrs["name"]] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        elif tag == "form":
            self._form = None


def _is_page(response):
    return (response.mimetype == "text/html"
            and "attachment" not in response.headers.get("Content-Disposition", ""))


def _save(role, name, html):
    path = os.path.join(FOLDER, role, re.sub(r"[^\w.-]+", "_", name) + ".html")
    with open(path, "w", encoding="utf-8") as document:
        document.write(html)


def test_nu_html_checker_finds_no_error_on_any_page(app, make_user, make_post):
    site = build_site(app, make_user, make_post)
    shutil.rmtree(FOLDER, ignore_errors=True)
    saved, forms_with_errors = 0, set()
    for role in ROLES:
        os.makedirs(os.path.join(FOLDER, role))
        client = app.test_client()
        if role != "visitor":
            assert client.post("/auth/login", data={"email": site.emails[role],
                                                    "password": PASSWORD}).status_code == 302
        for number, (endpoint, url) in enumerate(page_urls(app, site)):
            response = client.get(url)
            if not _is_page(response):
                continue
            html = response.get_data(as_text=True)
            _save(role, f"{number:02d}-{endpoint}", html)
            saved += 1
            parser = Forms()
            parser.feed(html)
            kinds = set()
            for form in parser.forms:
                if not form["typed"] or tuple(form["typed"]) in kinds:
                    continue
                kinds.add(tuple(form["typed"]))
                sent = client.post(form["action"] or url, data={
                    **form["kept"], **{name: "" for name in form["typed"]}}, follow_redirects=True)
                if _is_page(sent) and 'aria-invalid="true"' in sent.get_data(as_text=True):
                    forms_with_errors.add(endpoint)
                    _save(role, f"{number:02d}-{endpoint}-{len(kinds)}-errors",
                          sent.get_data(as_text=True))
                    saved += 1

    problems = vnu_problems(FOLDER)

    assert not problems, "the Nu HTML Checker found:\n" + "\n".join(problems)
    assert saved > 60, f"only {saved} documents were checked"
    assert {"auth.login", "auth.register", "posts.new", "posts.edit", "admin.users",
            "users.profile", "accounts.change_password"} <= forms_with_errors
