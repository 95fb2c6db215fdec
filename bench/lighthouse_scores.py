"""Lighthouse's four scores for the home page and a post page, as visitors get them.

gunicorn serves the blog as in production (``gunicorn.conf.py``, over plain HTTP on
localhost) from an embedded store of demo content (50 users, ``--posts`` posts, seed 1),
and Lighthouse from npm (``npx lighthouse@LIGHTHOUSE``, fetched on first use) drives
Debian's Chromium at each page with its default settings (a phone on a throttled
network). Prints Performance, Accessibility, Best Practices and SEO for each page, and
every weighted audit that did not pass, and whether the page and its files were
compressed and cached for long enough. Needs npm and ``/usr/bin/chromium``. Not a test.

    python bench/lighthouse_scores.py [--posts 200] [--stores DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

from embedded_stores import Client, Server, free_port, store_with, stores_folder

LIGHTHOUSE = "13.5.0"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = (("performance", "Performance"), ("accessibility", "Accessibility"),
              ("best-practices", "Best Practices"), ("seo", "SEO"))
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"
# Insights about how the page travels, which carry no weight in the scores.
DELIVERY = ("document-latency-insight", "cache-insight")


def lighthouse(url):
    """Lighthouse's report on ``url``, as a dict."""
    result = subprocess.run(
        ["npx", "--yes", f"lighthouse@{LIGHTHOUSE}", url, "--quiet", "--output=json",
         "--output-path=stdout", f"--chrome-flags={CHROME_FLAGS}"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
        timeout=600)
    if result.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def shortfalls(report):
    """The weighted audits, and the insights about delivery, that did not pass."""
    found = [f"delivery: {name} ({report['audits'][name]['score']:.2f}) "
             f"{report['audits'][name]['title']}"
             for name in DELIVERY if (report["audits"].get(name) or {}).get("score", 1) < 1]
    for key, category in report["categories"].items():
        for reference in category["auditRefs"]:
            audit = report["audits"][reference["id"]]
            if reference["weight"] and audit["score"] is not None and audit["score"] < 1:
                found.append(f"{key}: {audit['id']} ({audit['score']:.2f}) {audit['title']}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--stores", help="keep the stores built here, for later runs")
    args = parser.parse_args()
    for program in ("npx", CHROMIUM):
        if not shutil.which(program):
            raise SystemExit(f"{program} is needed")
    with stores_folder(args.stores) as folder, \
            Server(store_with(folder, args.posts), free_port()) as server:
        status, _, body = Client(server.port).get("/api/posts?limit=1")
        if status != 200:
            raise SystemExit(f"/api/posts answered {status}")
        slug = json.loads(body)["data"][0]["slug"]
        print(f"Lighthouse {LIGHTHOUSE}, Chromium at {CHROMIUM}, {args.posts} demo posts")
        print(f"{'page':<12}" + "".join(f"{title:>16}" for _, title in CATEGORIES))
        for name, path in (("home", "/"), ("post", f"/posts/{slug}")):
            report = lighthouse(f"http://127.0.0.1:{server.port}{path}")
            scores = [report["categories"][key]["score"] for key, _ in CATEGORIES]
            print(f"{name:<12}" + "".join(f"{round(score * 100):>16}" for score in scores),
                  flush=True)
            for line in shortfalls(report):
                print(f"    {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
