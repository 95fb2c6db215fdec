"""Full-text search over published posts.

``query`` reads what a reader typed, ``ranking`` finds and orders the posts,
``snippets`` shows where they matched, and ``routes`` is the search page.
The analyser that turns text into stems is blog.text.analysis, which the
posts use to store their terms.
"""
