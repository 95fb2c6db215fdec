"""Finding and ordering the posts that match a query.

One query fetches the newest ``candidates`` matching visible posts (2,000 by
default, ``SEARCH_CANDIDATES``) with only the few fields ranking needs (never
the content); phrases are checked and those matches ordered here; a second
query loads the page's posts and a third their authors. So a page costs the
same three operations, and reads at most ``candidates`` posts, however many
match: a common word on a large blog is ranked among its newest matches, and
the page says there are more. The lookup is a multikey ``$all`` on
``search_terms`` plus plain equality and ``$nin`` on values this module builds,
newest first, which MongoDB serves from the index on (search terms, status,
publication time) and mongomock runs the same way.
"""
from blog.models import Post
from blog.models.querysets import MAX_PAGE, Page, PageNotFound, last_page, load_references
from blog.text.analysis import phrase_pattern

RANKING_FIELDS = ("title_terms", "tag_terms", "published_at")


def search_posts(query, page, limit, candidates, author=None, fields=Post.LIST_FIELDS):
    """One page of the visible posts matching ``query`` (a searchable SearchQuery),
    ranked among the newest ``candidates`` matches.

    ``author`` restricts the search to one user's posts; ``fields`` are the
    fields loaded for the page's posts. The page's ``total`` is a lower bound
    (``more_than_total``) when more posts match than were ranked. Raises
    PageNotFound past the last page.
    """
    ranked, more = _ranked_ids(query, author, candidates)
    start = (page - 1) * limit
    if page > MAX_PAGE or (page > 1 and start >= len(ranked)):
        raise PageNotFound(page, last_page(len(ranked), limit))
    ids = ranked[start:start + limit]
    items = _load(ids, fields)
    load_references(items, "author")
    return Page(items=items, total=len(ranked), page=page, limit=limit, more_than_total=more)


def _ranked_ids(query, author, limit):
    """The ids of the newest ``limit`` matches, best first, and whether more match."""
    needs_text = bool(query.phrases or query.excluded_phrases)
    fields = (*RANKING_FIELDS, *(("stemmed_text",) if needs_text else ()))
    # Raw documents: ranking reads a few fields of each match, and building a
    # document object for each would cost more than the ranking.
    candidates = list(_lookup(query, author).only(*fields).limit(limit + 1).as_pymongo())
    more = len(candidates) > limit
    words = set(query.required_terms)
    phrases = [phrase_pattern(phrase.stems) for phrase in query.phrases]
    excluded = [phrase_pattern(phrase.stems) for phrase in query.excluded_phrases]
    ranks = []
    for post in candidates[:limit]:
        text = post.get("stemmed_text", "")
        if not all(phrase in text for phrase in phrases):
            continue
        if any(phrase in text for phrase in excluded):
            continue
        ranks.append(_rank(post, words))
    ranks.sort(reverse=True)
    return [rank[-1] for rank in ranks], more


def _lookup(query, author):
    """Visible posts holding every required stem and tag and none of the excluded ones,
    newest first."""
    conditions = {}
    if query.required_terms:
        conditions["search_terms__all"] = query.required_terms
    if query.excluded_terms:
        conditions["search_terms__nin"] = query.excluded_terms
    if query.tags:
        conditions["tags__all"] = query.tags
    if query.excluded_tags:
        conditions["tags__nin"] = query.excluded_tags
    if author is not None:
        conditions["author"] = author
    return Post.visible().filter(**conditions)


def _rank(post, words):
    """A sort key, best match greatest, ending with the post's id.

    More of the query's distinct words in the title wins, then more in the
    tags, so a title match beats a tags-only match, which beats a body-only
    one; ties go to the newest post, and the id makes the order total, so
    pages never overlap or skip a post.
    """
    published = post.get("published_at")
    return (
        len(words.intersection(post.get("title_terms") or ())),
        len(words.intersection(post.get("tag_terms") or ())),
        published.timestamp() if published else float("-inf"),
        post["_id"],
    )


def _load(ids, fields):
    """The posts with these ids, in this order, with only ``fields`` loaded."""
    if not ids:
        return []
    found = {post.pk: post for post in Post.objects(id__in=ids).only(*fields).order_by()}
    return [found[post_id] for post_id in ids if post_id in found]
