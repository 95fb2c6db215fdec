"""Absolute addresses of the blog's pages, for what is read away from the site: feeds,
the sitemap, canonical links, links in mail.

They start with ``SITE_URL`` when it is set, so that a feed's ids and links stay the
same whatever ``Host`` a request sent; without it, with the scheme and host of the
request being served (which ``TRUSTED_HOSTS`` vouches for).
"""
from urllib.parse import quote, urlsplit

from flask import current_app, request

# What a URL's path may hold as it is (RFC 3986's pchar and "/"); the rest is encoded.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def site_root():
    """The blog's address with no trailing slash: ``https://blog.example.org``."""
    configured = current_app.config.get("SITE_URL")
    return configured if configured else request.host_url.rstrip("/") + request.script_root


def url_adapter():
    """A URL adapter that builds absolute addresses starting with ``site_root()``; it
    outlives the request, so a message composed after the answer can use it."""
    configured = current_app.config.get("SITE_URL")
    if not configured:
        return current_app.create_url_adapter(request)
    parts = urlsplit(configured)
    return current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                    url_scheme=parts.scheme)


def external_url(endpoint, **values):
    """``url_for(endpoint, **values)`` as an absolute address starting with ``site_root()``."""
    return url_adapter().build(endpoint, values, force_external=True)


def external_path(path):
    """A path within the blog (``/posts/x``, as ``request.path`` gives it: decoded) as an
    absolute address, with what a URL cannot hold (a tag's space) percent-encoded."""
    return site_root() + quote(path, safe=PATH_SAFE)
