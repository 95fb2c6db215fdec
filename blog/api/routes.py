"""The JSON API: read-only, with the seed's response shape."""
from bson import ObjectId
from flask import Blueprint, abort, current_app, jsonify, request

from blog.api import schemas
from blog.api.items import comment_item, post_item
from blog.api.openapi import api_description, documented
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
@documented("Published posts, newest first, or those a search finds", schemas.PostItem,
            many=True, query=schemas.PostsQuery)
@search_limit
def posts():
    """Published posts, newest first; with ``q``, the posts matching it, best first."""
    page_number, limit = paging()
    text = str_arg("q", MAX_QUERY_LENGTH)
    tag = str_arg("tag", MAX_TAG_LENGTH).lower()
    author = request.args.get("author", "")
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
@documented("One published post, with its text", schemas.Post)
def post(slug):
    """A draft, a scheduled post or an archived one is not found."""
    found = _visible_post(slug)
    item = post_item(found)
    item["content"] = found.content
    item["html"] = found.html
    return ok(item)


@bp.route("/posts/<slug>/comments")
@documented("A published post's visible comments, oldest first", schemas.CommentItem,
            many=True, query=schemas.Paging)
def post_comments(slug):
    """A reply names the top-level comment it answers as ``parent``; comments awaiting
    approval or hidden by a moderator are not listed, nor are a draft's, a scheduled or an
    archived post's (not found)."""
    page_number, limit = paging()
    page = visible_comments(_visible_post(slug)).paginate(page_number, limit,
                                                          related=["author"])
    return ok([comment_item(comment) for comment in page.items], page)


@bp.route("/openapi.json")
@documented("This description of the API, as OpenAPI 3.1", None)
def openapi():
    return jsonify(api_description(current_app))
