"""The API's envelope: ``{"success", "data", "metadata"}``, and its paging parameters."""
from flask import jsonify

from blog.web.forms import int_arg

MAX_LIMIT = 100
DEFAULT_LIMIT = 10


def ok(data, page=None):
    body = {"success": True, "data": data}
    if page is not None:
        body["metadata"] = page.metadata()
    return jsonify(body)


def paging():
    """``page`` and ``limit``; a ``limit`` above the maximum is capped to it."""
    limit = int_arg("limit", DEFAULT_LIMIT)
    return int_arg("page", 1), min(limit, MAX_LIMIT)

