"""How long a cached value that shows the visible posts may be kept.

A scheduled post becomes visible when its time comes, with no write that
would make the cache forget anything. So a page, a tag count or a statistic
computed from the visible posts is kept only until the next scheduled time.
That time is cached too, in the group every change to a post forgets, and
kept until it passes.
"""
import math
from datetime import datetime, timezone

from flask import current_app

from blog.cache.values import Entry
from blog.models import Post
from blog.models.base import PAGES, utcnow

NEXT_PUBLICATION = "next-publication"


def visible_posts_lifetime(default=None):
    """Seconds a value computed from the visible posts now may be kept: ``default``
    (the cache's own by default), or less when a scheduled post appears sooner;
    0 (keep nothing) when one appears within the second."""
    if default is None:
        default = current_app.config["CACHE_DEFAULT_TIMEOUT"]
    moment = next_publication()
    if moment is None:
        return default
    return min(default, _whole_seconds_until(moment))


def next_publication():
    """When the next scheduled post appears (aware, UTC), or None."""
    entry = Entry(NEXT_PUBLICATION, PAGES)
    if entry.value is not None and _still_ahead(entry.value["at"]):
        at = entry.value["at"]
        return None if at is None else datetime.fromtimestamp(at, tz=timezone.utc)
    moment = Post.next_publication()
    if moment is None:
        entry.set({"at": None})
    else:
        entry.set({"at": moment.timestamp()}, timeout=_whole_seconds_until(moment))
    return moment


def _still_ahead(timestamp):
    return timestamp is None or timestamp > utcnow().timestamp()


def _whole_seconds_until(moment):
    # Rounded down, so that what is kept expires before the moment, never after.
    return max(0, math.floor((moment - utcnow()).total_seconds()))
