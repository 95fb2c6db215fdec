"""The JSON API: read-only, with the seed's response shape."""
from bson import ObjectId
from flask import Blueprint, abort, current_app

from blog.api.items import comment_item, post_item
from blog.api.responses import ok, paging
from blog.comments.operations import visible_comments
from blog.extensions import api_limit, search_limit
from blog.models import Post
from blog.models.post import MAX_TAG_LENGTH
from blog.models.querysets import Page, PageNotFound
from blog.search.query import MAX_QUERY_LENGTH, parse_query
from blog.search.ranking import search_posts
from blog.web.forms import str_arg

bp = Blueprint("api", __name__, url_prefix="/api")
api_limit(bp)


@bp.route("/posts")
@search_limit
def posts():
    """Published posts, newest first; with ``q``, the posts matching it, best first."""
    page_number, limit = paging()
    text = str_arg("q", MAX_QUERY_LENGTH)
    tag = str_arg("tag", MAX_TAG_LENGTH).lower()
    author = str_arg("author", 24)
    if author and not ObjectId.is_valid(author):
        abort(400, description="“author” must be a user id.")
    if text:
        page = _search(text, tag, author, page_number, limit)
    else:
        posts = Post.listing()
        if tag:
            posts = posts(tags=tag)
        if author:
            posts = posts(author=author)
        page = posts.paginate(page_number, limit, related=["author"])
    return ok([post_item(post) for post in page.items], page)


def _search(text, tag, author, page_number, limit):
    query = parse_query(text)
    if not query.is_searchable:
        # Nothing to look for gives no posts, as on the search page, not every post.
        if page_number > 1:
            raise PageNotFound(page_number, 1)
        return Page(items=[], total=0, page=page_number, limit=limit)
    if tag and tag not in query.tags:
        query.tags.append(tag)
    return search_posts(query, page_number, limit, current_app.config["SEARCH_CANDIDATES"],
                        author=author or None)


def _visible_post(slug):
    found = Post.by_slug(slug)
    if found is None or not found.is_visible:
        abort(404, description="There is no published post with that slug.")
    return found


@bp.route("/posts/<slug>")
def post(slug):
    found = _visible_post(slug)
    item = post_item(found)
    item["content"] = found.content
    item["html"] = found.html
    return ok(item)


@bp.route("/posts/<slug>/comments")
def post_comments(slug):
    """A published post's visible comments, oldest first; a reply names its ``parent``."""
    page_number, limit = paging()
    page = visible_comments(_visible_post(slug)).paginate(page_number, limit,
                                                          related=["author"])
    return ok([comment_item(comment) for comment in page.items], page)
