"""Cached values that signals keep exact.

A value is stored with the current *version* of its group (by default a
group of its own), and read back only while the group still has that
version. ``forget(group)`` gives the group a new random version instead of
deleting values: a request that read the data just before a change can then
only store what it computed with the old version, which no reader accepts,
so no stale value outlives the change that made it stale.

Keys carry the database's name, so two instances sharing one Redis do not
read each other's values.

A cache that fails (Redis stopped or unreachable) is skipped: values are
computed, one warning is logged, and the cache is tried again every
``CACHE_RETRY_SECONDS``. Groups forgotten while it was unreachable are
forgotten again as soon as it answers, before anything is read from it.
"""
import logging
import threading
import time
import uuid

from flask import current_app, has_app_context
from mongoengine.connection import get_db
from redis.backoff import NoBackoff
from redis.retry import Retry

from blog.store.connection import SERVER, database_mode
from blog.extensions import cache

log = logging.getLogger("blog.cache")

# Versions never expire: one evicted all the same only orphans its group's values.
VERSION_TIMEOUT = 0


def cache_config(app):
    """flask-caching's settings: Redis with short socket timeouts, else in-process.

    ``CACHE_TYPE`` may name a backend outright (``NullCache`` caches nothing).
    """
    if app.config.get("CACHE_TYPE"):
        return {"CACHE_TYPE": app.config["CACHE_TYPE"], "CACHE_NO_NULL_WARNING": True}
    if app.config.get("REDIS_URL"):
        timeout = app.config["CACHE_SOCKET_TIMEOUT"]
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": app.config["REDIS_URL"],
                # One try each: a cache that does not answer at once is skipped, not waited for.
                "CACHE_OPTIONS": {"socket_timeout": timeout, "socket_connect_timeout": timeout,
                                  "retry": Retry(NoBackoff(), 0)}}
    if database_mode(app.config.get("MONGODB_URI")) == SERVER:
        # Several workers may serve a MongoDB server, each with its own memory: a
        # logout or a role change cleared in one would still be cached in the others.
        log.info("cache: none (set REDIS_URL to share one between workers)")
        return {"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    return {"CACHE_TYPE": "SimpleCache"}


def init_cache(app):
    cache.init_app(app, config=cache_config(app))
    app.extensions["cache_health"] = CacheHealth(app.config["CACHE_RETRY_SECONDS"])


class CacheUnavailable(Exception):
    """The cache failed just now, or failed recently and is not being tried yet."""


class CacheHealth:
    """Whether an app's cache answers, and which versions it missed while it did not."""

    def __init__(self, retry_seconds):
        self.retry_seconds = retry_seconds
        self.failing = False
        self.retry_at = 0.0
        self.missed = set()
        self.lock = threading.Lock()

    def call(self, operation, *args):
        """``operation(*args)`` on the cache, or CacheUnavailable."""
        if self.failing and time.monotonic() < self.retry_at:
            raise CacheUnavailable()
        try:
            self._catch_up()
            result = operation(*args)
        except CacheUnavailable:
            raise
        except Exception as error:  # flask-caching passes on the client's own errors
            self._failed(error)
            raise CacheUnavailable() from error
        if self.failing:
            with self.lock:
                if self.failing:
                    log.info("cache answers again; using it")
                self.failing = False
        return result

    def forget_later(self, version_keys):
        with self.lock:
            self.missed.update(version_keys)

    def _catch_up(self):
        if not self.missed:
            return
        with self.lock:
            keys, self.missed = self.missed, set()
        try:
            cache.set_many({key: _new_version() for key in keys}, VERSION_TIMEOUT)
        except Exception:
            self.forget_later(keys)
            raise

    def _failed(self, error):
        with self.lock:
            if not self.failing:
                log.warning("cache unavailable, serving without it: %s", error)
            self.failing = True
            self.retry_at = time.monotonic() + self.retry_seconds


def _health():
    return current_app.extensions["cache_health"]


def _call(operation, *args):
    return _health().call(operation, *args)


def _key(*parts):
    return ":".join((get_db().name, *parts))


def _new_version():
    return uuid.uuid4().hex


class Entry:
    """One cached value, read together with its group's version in one round trip.

    The value is stored with the version its group had when the entry was
    made, and read back only while the group still has that version. Make the
    entry before reading the data its value is computed from, so that a change
    in between makes the group forget the value rather than keep it.
    """

    def __init__(self, name, group=None):
        self.key = _key(name)
        self.version_key = _key("version", group or name)
        self.version = self.value = None
        try:
            version, stored = _call(cache.get_many, self.version_key, self.key)
            if version is None:
                _call(cache.add, self.version_key, _new_version(), VERSION_TIMEOUT)
                # Read back: another request may have made the version first.
                version = _call(cache.get, self.version_key)
        except CacheUnavailable:
            return
        self.version = version
        if version is not None and stored is not None and stored[0] == version:
            self.value = stored[1]

    def set(self, value, timeout=None):
        """Store ``value`` for ``timeout`` seconds (the default when None; nothing is
        stored for 0). ``timeout`` may be a function giving it, called only when the
        cache is there to store into."""
        if self.version is None:
            return
        if callable(timeout):
            timeout = timeout()
        if timeout is None:
            timeout = current_app.config["CACHE_DEFAULT_TIMEOUT"]
        if timeout <= 0:
            return
        try:
            _call(cache.set, self.key, (self.version, value), timeout)
        except CacheUnavailable:
            pass


def cached(name, compute, timeout=None, group=None):
    """The cached value of ``name``, computed and stored on a miss (None is never stored);
    ``timeout`` as ``Entry.set`` takes it."""
    entry = Entry(name, group)
    if entry.value is not None:
        return entry.value
    value = compute()
    if value is not None:
        entry.set(value, timeout)
    return value


def forget(*groups):
    """Make every value cached in these groups unreachable, now or once the cache answers."""
    if not has_app_context() or not groups:
        return
    versions = {_key("version", group): _new_version() for group in groups}
    try:
        _call(cache.set_many, versions, VERSION_TIMEOUT)
    except CacheUnavailable:
        _health().forget_later(versions)
