"""Stylesheets and other files under addresses that change with their content, so that
browsers may keep them for a year.

``url_for`` gives a fingerprinted endpoint's address a ``v`` parameter, a digest of what
it serves; an answer to an address whose ``v`` is that digest says ``immutable`` and a
year, and one without it (an old page's link) must be checked again (``no-cache``). A
change to the file makes a new address, which nobody has kept.
"""
import hashlib
import os
import stat

from flask import request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 60 * 60
FOREVER = f"public, max-age={YEAR}, immutable"
DIGEST_LENGTH = 12


def init_app(app, generated=None):
    """Fingerprint ``static``, whose files are read from the static folder, and the
    endpoints in ``generated``: ``{endpoint: function returning what it serves}``."""
    files = StaticDigests(app)
    content = {endpoint: _digest(make().encode()) for endpoint, make in (generated or {}).items()}

    def digest_of(endpoint, values):
        if endpoint == "static":
            return files.digest(values.get("filename"))
        return content.get(endpoint)

    @app.url_defaults
    def add_fingerprint(endpoint, values):
        if "v" not in values:
            digest = digest_of(endpoint, values)
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_fingerprinted(response):
        if response.status_code not in (200, 304) or request.endpoint is None:
            return response
        digest = digest_of(request.endpoint, request.view_args or {})
        if digest is None:
            return response
        if request.args.get("v") == digest:
            response.headers["Cache-Control"] = FOREVER
        else:
            response.headers["Cache-Control"] = "no-cache"
        return response


class StaticDigests:
    """The digest of each file in the app's static folder, read again when the file changes."""

    def __init__(self, app):
        self.app = app
        self._known = {}

    def digest(self, filename):
        folder = self.app.static_folder
        path = safe_join(folder, filename) if isinstance(filename, str) and folder else None
        try:
            found = os.stat(path) if path else None
        except (OSError, ValueError):
            return None
        if found is None or not stat.S_ISREG(found.st_mode):
            return None
        stamp = (found.st_mtime_ns, found.st_size)
        known = self._known.get(path)
        if known is None or known[0] != stamp:
            with open(path, "rb") as served:
                known = (stamp, _digest(served.read()))
            self._known[path] = known
        return known[1]


def _digest(data):
    return hashlib.sha256(data).hexdigest()[:DIGEST_LENGTH]

