"""Keeping a post's earlier versions, and putting one back.

Every save that changes a post's title, text or tags keeps what the post said
before as a Revision, whoever saves it (a page, the API or a command),
numbered from 1 up; at most ``REVISIONS_KEPT`` per post, the oldest dropped.
Restoring a revision is such a save itself, so the text it replaces is kept
too, and the audit history records it as a ``restore``.
"""
from flask import current_app, has_app_context, has_request_context
from flask_login import current_user
from mongoengine import NotUniqueError, signals

from blog.models import Post
from blog.models.revision import Revision
from blog.services import audit

KEPT_FIELDS = ("title", "content", "tags")
DEFAULT_KEPT = 50
# Two saves of one post at once may pick the same number; the later one takes the next.
NUMBER_ATTEMPTS = 5

_connected = False


def connect_signals():
    """Once per process: the signals are the document class's, not an app's."""
    global _connected
    if _connected:
        return
    signals.pre_save_post_validation.connect(_note_previous_version, sender=Post)
    signals.post_save.connect(_keep_previous_version, sender=Post)
    _connected = True


def restore(post, revision):
    """Make the revision's title, text and tags the post's again; False when they are
    already."""
    if [post.title, post.content, list(post.tags)] == [revision.title, revision.content,
                                                       list(revision.tags)]:
        return False
    post.title, post.content, post.tags = revision.title, revision.content, list(revision.tags)
    with audit.recorded_as("restore"):
        post.save()
    return True


def _note_previous_version(sender, document, created=False, **kwargs):
    """Before a stored post is written: what it said, read back, if the save changes that."""
    document._previous_version = None
    if created or not set(document._get_changed_fields()) & set(KEPT_FIELDS):
        return
    # Read back rather than remembered at load, which may have read only some fields.
    stored = Post.objects(pk=document.pk).only(*KEPT_FIELDS).as_pymongo().first()
    if stored is None:
        return
    previous = {"title": stored.get("title", ""), "content": stored.get("content", ""),
                "tags": list(stored.get("tags", []))}
    if previous != {"title": document.title, "content": document.content,
                    "tags": list(document.tags)}:
        document._previous_version = previous


def _keep_previous_version(sender, document, created=False, **kwargs):
    previous = getattr(document, "_previous_version", None)
    document._previous_version = None
    if previous is not None:
        _keep(document, previous)


def _keep(post, previous):
    author, author_name = _editor()
    for _ in range(NUMBER_ATTEMPTS):
        latest = Revision.of(post).only("number").first()
        number = latest.number + 1 if latest else 1
        try:
            Revision(post=post, number=number, author=author, author_name=author_name,
                     **previous).save()
            break
        except NotUniqueError:
            continue
    kept = current_app.config["REVISIONS_KEPT"] if has_app_context() else DEFAULT_KEPT
    Revision.objects(post=post, number__lte=number - kept).delete()


def _editor():
    """Who is making the change: the logged-in user, or None and the command line's name."""
    if has_request_context() and current_user.is_authenticated:
        user = current_user._get_current_object()
        return user, user.name
    return None, audit.actor_name()
