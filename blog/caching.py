"""Cached values that signals keep exact.

Keys carry the database's name, so two instances sharing one Redis do not
read each other's values. A cache that fails (Redis down) is skipped: the
value is computed, and one warning is logged until the cache answers again.
"""
import logging

from flask import current_app
from mongoengine import signals
from mongoengine.connection import get_db

from blog.extensions import cache

log = logging.getLogger("blog.cache")

TAG_COUNTS = "tag-counts"
_state = {"failing": False}


def _key(name):
    return f"{get_db().name}:{name}"


def _cache_failed(error):
    if not _state["failing"]:
        log.warning("cache unavailable, serving without it: %s", error)
    _state["failing"] = True


def cached(name, compute, timeout=None):
    """The cached value of ``name``, computed and stored on a miss."""
    key = _key(name)
    try:
        value = cache.get(key)
        _state["failing"] = False
    except Exception as error:  # flask-caching passes on the client's own errors
        _cache_failed(error)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, timeout=timeout or current_app.config["CACHE_DEFAULT_TIMEOUT"])
        except Exception as error:
            _cache_failed(error)
    return value


def forget(*names):
    try:
        cache.delete_many(*(_key(name) for name in names))
    except Exception as error:
        _cache_failed(error)


def _post_changed(sender, document, **kwargs):
    forget(TAG_COUNTS)


def invalidate_on_change():
    from blog.models import Post
    signals.post_save.connect(_post_changed, sender=Post)
    signals.post_delete.connect(_post_changed, sender=Post)
