"""The search page: ``GET /search?q=…&page=N``."""
from flask import Blueprint, abort, current_app, render_template, request

from blog.extensions import search_limit
from blog.models import Post
from blog.search.query import MAX_QUERY_LENGTH, parse_query
from blog.search.ranking import search_posts
from blog.search.snippets import snippet
from blog.text.markdown import plain_text
from blog.web.forms import page_arg

bp = Blueprint("search", __name__)


@bp.app_context_processor
def search_box_limit():
    """The header's search box, on every page, takes as much as a query may hold."""
    return {"max_query_length": MAX_QUERY_LENGTH}


@bp.route("/search")
@search_limit
def results():
    try:
        query = parse_query(request.args.get("q", ""))
    except ValueError as error:
        abort(400, description=str(error))
    number = page_arg()
    if not query.is_searchable:
        return render_template("search/results.html", query=query, page=None, results=[])
    page = search_posts(query, number, current_app.config["POSTS_PER_PAGE"],
                        current_app.config["SEARCH_CANDIDATES"],
                        fields=(*Post.LIST_FIELDS, "html"))
    marked = set(query.required_terms)
    results = [(post, snippet(plain_text(post.html), marked)) for post in page.items]
    return render_template("search/results.html", query=query, page=page, results=results)
