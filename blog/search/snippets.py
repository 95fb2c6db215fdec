"""Snippets: about thirty words of a post around its first match, matches marked.

Every piece of the post's text is escaped first and only then wrapped in
``<mark>``, so neither the post nor the query can put markup on the page.
"""
from markupsafe import Markup, escape

from blog.text.analysis import WORD, key_stems

SNIPPET_WORDS = 30
# How many words come before the first match, so the reader sees it in context.
LEAD_WORDS = 8


def snippet(text, stems, size=SNIPPET_WORDS):
    """``size`` words of ``text`` from a little before the first word whose stem
    is in ``stems``, or its first words when none is, as safe Markup."""
    words = text.split()
    first = next((i for i, word in enumerate(words) if _matches(word, stems)), 0)
    start = max(0, min(first - LEAD_WORDS, len(words) - size))
    end = start + size
    shown = Markup(" ").join(_highlight(word, stems) for word in words[start:end])
    if start > 0:
        shown = Markup("… ") + shown
    if end < len(words):
        shown = shown + Markup(" …")
    return shown


def _matches(word, stems):
    return any(word_stem in stems for word_stem in key_stems(word))


def _highlight(word, stems):
    """One space-separated word, escaped, with the letter and digit runs that match marked.

    "mongo-engine," keeps its hyphen and comma unmarked.
    """
    parts, done = [], 0
    for run in WORD.finditer(word):
        parts.append(escape(word[done:run.start()]))
        if _matches(run.group(), stems):
            parts.append(Markup("<mark>%s</mark>") % run.group())
        else:
            parts.append(escape(run.group()))
        done = run.end()
    parts.append(escape(word[done:]))
    return Markup("").join(parts)
