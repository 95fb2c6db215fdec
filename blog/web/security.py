"""Security headers, safe redirects, who may see the admin pages, and which proxy headers to believe."""
from urllib.parse import urlsplit

from flask import abort, current_app
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from blog.extensions import login_manager
from blog.web.forms import wants_json

# Images come from the blog itself and from the hosts of IMAGE_HOSTS only (added per app).
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "img-src 'self' data:{image_hosts}",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Browser features the blog never uses, turned off for its pages and anything they embed.
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def content_security_policy(image_hosts):
    return CONTENT_SECURITY_POLICY.format(
        image_hosts="".join(f" https://{host}" for host in image_hosts))


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy",
                       content_security_policy(current_app.config["IMAGE_HOSTS"]))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def safe_next_url(target):
    """``target`` if it is a path on this site, else None.

    Refuses absolute and scheme-relative URLs (``//evil.com``), backslash
    tricks that browsers read as ``//`` (``/\\evil.com``) and control characters.
    """
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return None
    if target.startswith("//") or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def require_admin():
    """A ``before_request`` hook for the admin pages and the admin API: log in first, and
    be an admin now (the role is read on every request)."""
    if not current_user.is_authenticated:
        if wants_json():
            abort(401, description="Log in as an admin to use this endpoint.")
        return login_manager.unauthorized()
    if not current_user.is_admin:
        abort(403, description="Only admins can use this endpoint." if wants_json() else
              "Only admins can see the admin pages.")
    return None


def require_moderator():
    """A ``before_request`` hook for the moderation pages: log in first, and be a
    moderator or an admin now."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_moderator:
        abort(403, description="Only moderators and admins can moderate comments.")
    return None


def trust_proxies(app):
    """Read the client's address, scheme and host from ``PROXY_FIX_HOPS`` proxies' headers.

    Behind a reverse proxy every request comes from the proxy's address, so
    rate limits and the audit history would see one client. Anyone can send
    X-Forwarded-For, so only as many hops as there are proxies are believed.
    """
    hops = app.config["PROXY_FIX_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops,
                                x_prefix=hops)
