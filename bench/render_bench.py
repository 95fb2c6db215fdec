"""Markdown rendering time of the longest texts a post may hold.

Renders each pathological text of the tests (100,000 characters of one
construct) and long ordinary articles, three times each, and prints the
quickest processor time and whether the text was refused as too costly to
format. Not a test.

    python bench/render_bench.py
"""
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

from blog.text.markdown import TooComplex, render_markdown  # noqa: E402
from test_text import PATHOLOGICAL_MARKDOWN, long_article  # noqa: E402

ROUNDS = 3


def quickest(text):
    timings = []
    for _ in range(ROUNDS):
        started = time.thread_time()
        try:
            render_markdown(text)
            outcome = "rendered"
        except TooComplex:
            outcome = "refused"
        timings.append(time.thread_time() - started)
    return min(timings), outcome


def main():
    texts = {name: text[:100_000] for name, text in PATHOLOGICAL_MARKDOWN.items()}
    for sections in (60, 120, 185):
        texts[f"article of {sections} sections"] = long_article(sections)
    rows = [(name, len(text), *quickest(text)) for name, text in texts.items()]
    width = max(len(name) for name in texts)
    for name, length, seconds, outcome in rows:
        print(f"{name:<{width}}  {length:>7,} chars  {seconds * 1000:6.1f} ms  {outcome}")
    print(f"slowest: {max(row[2] for row in rows) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
