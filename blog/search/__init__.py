"""Full-text search over published posts (DESIGN §6).

``analysis`` turns text into stems, ``query`` reads what a reader typed,
``ranking`` finds and orders the posts, ``snippets`` shows where they matched;
``routes`` is the search page and ``cli`` rebuilds the stored terms.
"""
