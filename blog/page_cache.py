"""Whole pages, cached for visitors who are not logged in.

A page is stored under its full URL (scheme, host, path and query string)
in the group ``PAGES``, which any change to a post or a user forgets
(blog.invalidation). A page is served from the cache, or stored in it, only
when nothing on it can depend on who asks: nobody is logged in, no flashed
message is waiting, and rendering it neither made a CSRF token nor wrote to
the session.
"""
import functools
import hashlib

from flask import Response, current_app, g, request, session
from flask_login import current_user

from blog.caching import Entry
from blog.invalidation import PAGES


def cached_page(view):
    @functools.wraps(view)
    def serve(*args, **kwargs):
        if not _same_for_everyone():
            return view(*args, **kwargs)
        entry = Entry("page:" + hashlib.sha256(request.url.encode()).hexdigest(), PAGES)
        stored = entry.get()
        if stored is not None:
            body, status, content_type = stored
            return Response(body, status, content_type=content_type)
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code == 200 and _nothing_personal():
            entry.set((response.get_data(), response.status_code,
                       response.headers.get("Content-Type")))
        return response
    return serve


def _same_for_everyone():
    return (request.method in ("GET", "HEAD") and not current_user.is_authenticated
            and not session.get("_flashes"))


def _nothing_personal():
    csrf_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return not session.modified and csrf_field not in g
