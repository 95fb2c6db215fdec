"""Static checks that run with the tests: bandit, and where templates turn escaping off."""
import json
import pathlib
import re
import subprocess
import sys

from jinja2 import nodes

from conftest import ROOT

PACKAGE = pathlib.Path(ROOT, "blog")
TEMPLATES = pathlib.Path(ROOT, "templates")
# A suppressed finding names the check and says why it does not apply.
EXPLAINED_NOSEC = re.compile(r"#\s*nosec\s+B\d{3}(\s*,\s*B\d{3})*\s*:\s*\S.{15,}")

# Template expressions allowed to skip escaping, and why each is safe.
SAFE_IN_TEMPLATES = {
    # Post.clean() renders the Markdown and sanitises it with nh3 (blog.text.markdown).
    ("posts/show.html", "post.html"),
    # The editor's preview: the same render_markdown(), never saved.
    ("posts/edit.html", "preview"),
    # Comment.clean() renders its Markdown and sanitises it (render_comment_markdown).
    ("comments/_thread.html", "comment.html"),
    ("admin/comments.html", "comment.html"),
}
# Python modules allowed to build Markup: each escapes the text before marking it.
MARKUP_MODULES = {"blog/search/snippets.py",
                  # The ``breakable`` filter: escaped text, with <wbr> where an email may wrap.
                  "blog/web/templating.py"}


def test_bandit_finds_no_medium_or_high_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-r", "blog", "-f", "json", "-q"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit scanned the package"
    assert not report["errors"], report["errors"]
    serious = [f"{issue['filename']}:{issue['line_number']} {issue['test_id']} "
               f"{issue['issue_text']}" for issue in report["results"]
               if issue["issue_severity"] in ("MEDIUM", "HIGH")]
    assert not serious, "fix these, or mark each `# nosec BXXX: why`:\n" + "\n".join(serious)


def test_every_suppressed_bandit_finding_says_why():
    unexplained = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                   for path in PACKAGE.rglob("*.py")
                   for number, line in enumerate(path.read_text().splitlines(), 1)
                   if "nosec" in line and not EXPLAINED_NOSEC.search(line)]
    assert not unexplained, "\n".join(unexplained)


def _expression(node):
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_expression(node.node)}.{node.attr}"
    return type(node).__name__


def _escaping_turned_off(app):
    for path in sorted(TEMPLATES.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(TEMPLATES).as_posix()
        tree = app.jinja_env.parse(path.read_text(), name=name)
        for node in tree.find_all(nodes.Filter):
            if node.name == "safe":
                yield name, _expression(node.node)
        for node in tree.find_all(nodes.ScopedEvalContextModifier):
            yield name, "{% autoescape %} block"


def test_templates_skip_escaping_only_for_sanitised_html(app):
    found = set(_escaping_turned_off(app))
    assert found <= SAFE_IN_TEMPLATES, f"unescaped output of: {sorted(found - SAFE_IN_TEMPLATES)}"
    assert found == SAFE_IN_TEMPLATES, "the allowed list names only what is still used"


def test_templates_are_autoescaped(app):
    """Except the plain-text parts of mail, which go out as text/plain: nothing reads them as
    HTML, and escaping would show a name like "Tom & Jerry" as "Tom &amp; Jerry"."""
    for path in TEMPLATES.rglob("*"):
        if path.is_file() and not (path.parent.name == "mail" and path.suffix == ".txt"):
            assert app.select_jinja_autoescape(path.name), path


def test_only_the_snippet_builder_makes_markup():
    makers = {path.relative_to(ROOT).as_posix() for path in PACKAGE.rglob("*.py")
              if re.search(r"\bMarkup\(", path.read_text())}
    assert makers <= MARKUP_MODULES
