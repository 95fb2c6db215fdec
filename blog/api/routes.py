"""The JSON API: read-only, with the seed's response shape."""
import re

from flask import Blueprint, abort

from blog.api.responses import ok, paging, post_item, str_arg
from blog.models import Post

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/posts")
def posts():
    page_number, limit = paging()
    posts = Post.listing()
    tag = str_arg("tag", 30).lower()
    if tag:
        posts = posts(tags=tag)
    author = str_arg("author", 24)
    if author:
        if not re.fullmatch(r"[0-9a-f]{24}", author):
            abort(400, description="“author” must be a user id.")
        posts = posts(author=author)
    page = posts.paginate(page_number, limit, related=["author"])
    return ok([post_item(post) for post in page.items], page)


@bp.route("/posts/<slug>")
def post(slug):
    found = Post.published()(slug=slug).first() if len(slug) <= 100 else None
    if found is None:
        abort(404, description="There is no published post with that slug.")
    item = post_item(found)
    item["content"] = found.content
    item["html"] = found.html
    return ok(item)
