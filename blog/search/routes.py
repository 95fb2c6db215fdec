"""The search page: ``GET /search?q=…&page=N``."""
from flask import Blueprint, current_app, render_template, request

from blog.cache.values import cached
from blog.extensions import search_limit
from blog.models import Post
from blog.models.base import TAG_COUNTS
from blog.search.query import MAX_QUERY_LENGTH, SearchQuery, parse_query
from blog.search.ranking import search_posts
from blog.search.snippets import snippet
from blog.services import counts
from blog.text.markdown import prose_text
from blog.web.forms import page_arg

bp = Blueprint("search", __name__)


@bp.app_context_processor
def search_box_limit():
    """The header's search box, on every page, takes as much as a query may hold."""
    return {"max_query_length": MAX_QUERY_LENGTH}


@bp.route("/search")
@search_limit
def results():
    text = request.args.get("q", "")
    try:
        query = parse_query(text, _known_tags(text))
    except ValueError as error:
        # The search form again, the text as typed and the reason beside it.
        return render_template("search/results.html", query=SearchQuery(text=text), page=None,
                               results=[], error=str(error)), 400
    number = page_arg()
    if not query.is_searchable:
        return render_template("search/results.html", query=query, page=None, results=[])
    page = search_posts(query, number, current_app.config["POSTS_PER_PAGE"],
                        current_app.config["SEARCH_CANDIDATES"],
                        fields=(*Post.LIST_FIELDS, "html"))
    marked = set(query.required_terms)
    results = [(post, snippet(prose_text(post.html), marked)) for post in page.items]
    return render_template("search/results.html", query=query, page=page, results=results)


def _known_tags(text):
    """The tags in use, when the query names a tag (so that a tag with a space is found)."""
    if "tag:" not in text.lower():
        return None
    return {row["tag"] for row in cached(TAG_COUNTS, counts.tag_counts)}
