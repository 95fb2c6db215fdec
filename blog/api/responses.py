"""The JSON shapes of the API (DESIGN §5)."""
from flask import abort, jsonify, request

from blog.templating import isodate

MAX_LIMIT = 100
DEFAULT_LIMIT = 10


def ok(data, page=None):
    body = {"success": True, "data": data}
    if page is not None:
        body["metadata"] = page.metadata()
    return jsonify(body)


def int_arg(name, default, minimum=1, maximum=None):
    """A whole-number query parameter; a 400 names the parameter when it is not one."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        abort(400, description=f"“{name}” must be a whole number.")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        limits = f"from {minimum} to {maximum}" if maximum is not None else f"from {minimum} up"
        abort(400, description=f"“{name}” must be {limits}.")
    return value


def str_arg(name, max_length=200):
    raw = request.args.get(name, "").strip()
    if len(raw) > max_length:
        abort(400, description=f"“{name}” must be at most {max_length} characters.")
    return raw


def paging():
    """``page`` and ``limit``; a ``limit`` above the maximum is capped to it."""
    limit = int_arg("limit", DEFAULT_LIMIT)
    return int_arg("page", 1), min(limit, MAX_LIMIT)


def post_item(post):
    author = post.author
    return {
        "id": str(post.pk),
        "slug": post.slug,
        "title": post.title,
        "excerpt": post.excerpt,
        "tags": list(post.tags),
        "status": post.status,
        "author": {"id": str(author.pk), "name": author.name} if author else None,
        "createdAt": isodate(post.created_at),
        "updatedAt": isodate(post.updated_at),
        "publishedAt": isodate(post.published_at) or None,
    }
