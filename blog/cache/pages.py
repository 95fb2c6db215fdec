"""Whole pages, cached for visitors who are not logged in.

Only a GET without cookies is answered from the cache: with no session and
no remember cookie nobody is logged in and no flashed message is waiting, so
the page depends on its URL alone. A page is stored under its full URL
(scheme, host, path and query string) in the group ``PAGES``, which any
change to a post or a user forgets (``invalidation``), and only when
rendering it left nothing personal: no session written, no CSRF token made.
A page is kept no later than the next scheduled post's time (``lifetimes``).

The lookup runs in front of the Flask app (``PageCache`` wraps its WSGI
callable), so a cached page costs one round trip to the cache and none of
the request machinery. Storing runs in the app's last ``after_request``
hook, so the page keeps the headers the other hooks add.
"""
import functools
import hashlib

from flask import Response, current_app, g, request, session
from werkzeug.exceptions import HTTPException

from blog.cache.lifetimes import visible_posts_lifetime
from blog.cache.values import Entry
from blog.models.base import PAGES
from blog.web.timing import server_timing_value

ENTRY = "blog.page_cache.entry"
# Part of every key: change it when the stored shape changes, so that a new
# release never reads what an old one stored in a shared cache.
STORED_SHAPE = "body+headers"
# Headers that describe one response, not the page.
NOT_STORED = {"server-timing", "set-cookie", "date"}

_cached_views = set()


def cached_page(view):
    """Mark a view whose page, for visitors not logged in, depends on its URL alone."""
    _cached_views.add(view)
    return view


def init_app(app, finish=None):
    """Call before the other ``after_request`` hooks are added, so that this one runs after
    them. A page answered from the cache passes through ``finish(response)`` (in a request
    context), as the hooks added before this one would have changed it: compression."""
    app.wsgi_app = PageCache(app, app.wsgi_app, finish or (lambda response: response))
    app.after_request(_store)


class PageCache:
    def __init__(self, app, wsgi_app, finish):
        self.app = app
        self.wsgi_app = wsgi_app
        self.finish = finish
        # Which view a path leads to never changes while the app runs.
        self.serves_cached_view = functools.lru_cache(maxsize=4096)(self._serves_cached_view)

    def __call__(self, environ, start_response):
        if (environ["REQUEST_METHOD"] != "GET" or environ.get("HTTP_COOKIE")
                or not self.serves_cached_view(environ.get("PATH_INFO", "/"))):
            return self.wsgi_app(environ, start_response)
        with self.app.app_context():
            entry = Entry(_page_name(environ), PAGES)
        if entry.value is None:
            environ[ENTRY] = entry
            return self.wsgi_app(environ, start_response)
        body, headers = entry.value
        response = Response(body, headers=headers + [
            ("Server-Timing", server_timing_value(0, 0.0))])
        with self.app.request_context(environ):
            response = self.finish(response)
        return response(environ, start_response)

    def _serves_cached_view(self, path):
        try:
            endpoint, _ = self.app.url_map.bind("localhost").match(path, method="GET")
        except HTTPException:
            return False
        return self.app.view_functions.get(endpoint) in _cached_views


def _page_name(environ):
    """The page's name: a digest of its whole URL, as the request gave it."""
    url = "{}://{}{}{}?{}".format(
        environ["wsgi.url_scheme"], environ.get("HTTP_HOST") or environ["SERVER_NAME"],
        environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""))
    return f"page:{STORED_SHAPE}:{hashlib.sha256(url.encode()).hexdigest()}"


def _store(response):
    entry = request.environ.pop(ENTRY, None)
    if entry is not None and response.status_code == 200 and _nothing_personal():
        # Shared caches on the way must not give this page to someone with a session.
        response.vary.add("Cookie")
        headers = [(name, value) for name, value in response.headers.items()
                   if name.lower() not in NOT_STORED]
        # Lists leave out scheduled posts until their time: no page outlives that.
        entry.set((response.get_data(), headers), timeout=visible_posts_lifetime)
    return response


def _nothing_personal():
    csrf_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return not session.modified and csrf_field not in g
