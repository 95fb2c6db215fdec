"""Which cached values each change makes stale, forgotten as the change is saved.

Signals fire for ``save()`` and ``delete()`` only: code that writes with
``update_one`` (the points service) forgets what it changed itself.
"""
from mongoengine import signals

from blog import caching

# Every page cached for visitors who are not logged in (blog.page_cache).
PAGES = "pages"
TAG_COUNTS = "tag-counts"


def user_group(user_id):
    """The group of one user's cached lookup (blog.auth.routes.load_user)."""
    return f"user:{user_id}"


def connect_signals():
    from blog.models import Post, User
    signals.post_save.connect(_post_changed, sender=Post)
    signals.post_delete.connect(_post_changed, sender=Post)
    signals.post_save.connect(_user_saved, sender=User)
    signals.post_delete.connect(_user_deleted, sender=User)


def _post_changed(sender, document, **kwargs):
    caching.forget(PAGES, TAG_COUNTS)


def _user_saved(sender, document, created=False, **kwargs):
    if created:
        # A new user is on no page yet, and has no cached lookup.
        return
    # Names show in bylines on every kind of cached page.
    caching.forget(user_group(document.pk), PAGES)


def _user_deleted(sender, document, **kwargs):
    caching.forget(user_group(document.pk), PAGES)
