"""Comments' writes and the lists the pages show, for the pages, the API and the commands.

Whether a new comment waits for a moderator is decided here, in one place
(``initial_status``), from the author's role, their earlier visible comments,
the comment's links and ``COMMENT_MODERATION``. Every write goes through the
document's ``save()`` or ``delete()``, so each is audited and keeps the post's
count of visible comments.
"""
from datetime import timedelta

from flask import current_app
from blog.models.base import aware, utcnow
from blog.models.comment import Comment
from blog.models.querysets import load_references
from blog.text.markdown import link_count

# A second comment with the same text on the same post within this time is refused.
DUPLICATE_WINDOW = timedelta(minutes=1)
MODERATED_STATUSES = ("visible", "hidden")
# The most comments a post's page shows (the API pages through all of them).
SHOWN = 500


class CommentRefused(ValueError):
    """A comment that cannot be saved as asked; ``status`` is the HTTP status to answer."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def initial_status(author, html, setting=None, max_links=None):
    """``visible`` or ``pending`` for a new comment by ``author`` rendering to ``html``."""
    setting = setting or current_app.config["COMMENT_MODERATION"]
    if max_links is None:
        max_links = current_app.config["COMMENT_MAX_LINKS"]
    if author.is_moderator:
        return "visible"
    if link_count(html) > max_links:
        return "pending"
    if setting == "none":
        return "visible"
    if setting == "first" and has_visible_comment(author):
        return "visible"
    return "pending"


def has_visible_comment(author):
    return Comment.objects(author=author, status="visible").only("id").first() is not None


def find_parent(post, parent_id, viewer):
    """The top-level comment a reply to ``parent_id`` joins, or None for no parent.

    A reply to a reply joins the same thread. Raises CommentRefused when the id
    names no comment on this post that ``viewer`` can see.
    """
    if parent_id in (None, ""):
        return None
    parent = Comment.by_id(parent_id)
    if parent is None or parent._post_id() != post.pk or not parent.can_view(viewer):
        raise CommentRefused("The comment you answered is not on this post any more.", 404)
    if parent.parent_id() is not None:
        top = Comment.objects(pk=parent.parent_id()).first()
        if top is not None:
            return top
    return parent


def create_comment(post, author, body, parent=None):
    """Save a new comment (validated, moderated) and return it.

    Raises ValidationError for a body that cannot be a comment, and
    CommentRefused (409) for the author's previous comment on this post again.
    """
    comment = Comment(post=post, author=author, body=body, parent=parent)
    comment.validate()
    _refuse_duplicate(comment)
    comment.status = initial_status(author, comment.html)
    comment.save()
    return comment


def _refuse_duplicate(comment):
    previous = (Comment.objects(author=comment.author_id(), post=comment._post_id())
                .order_by("-created_at").only("body", "created_at").first())
    if (previous is not None and previous.body == comment.body
            and utcnow() - aware(previous.created_at) < DUPLICATE_WINDOW):
        raise CommentRefused("You have just posted this comment.", 409)


def edit_comment(comment, body):
    """Change the text; more links than allowed puts a visible comment back in the queue.
    False when the text is the same (nothing is saved, and it is not marked edited)."""
    if isinstance(body, str) and body.strip() == comment.body:
        return False
    comment.body = body
    comment.edited_at = utcnow()
    comment.validate()
    if (comment.is_visible and not comment.author.is_moderator
            and link_count(comment.html) > current_app.config["COMMENT_MAX_LINKS"]):
        comment.status = "pending"
    comment.save()
    return True


def set_status(comment, status):
    """A moderator's decision: ``visible`` or ``hidden``. False when it already was."""
    if status not in MODERATED_STATUSES:
        raise CommentRefused("Choose visible or hidden.")
    if comment.status == status:
        return False
    comment.status = status
    comment.save()
    return True


def delete_comment(comment):
    """Delete the comment; replies to it stay, as top-level comments."""
    comment.delete()


def threads(post, viewer):
    """The first ``SHOWN`` comments of ``post`` that ``viewer`` may read, oldest first, as
    ``[(comment, [replies])]``, and whether there are more: two queries, however many
    there are."""
    statuses = ["visible", "pending"] if viewer.is_authenticated else ["visible"]
    comments = list(Comment.objects(post=post, status__in=statuses)
                    .order_by("created_at", "_id").limit(SHOWN + 1))
    more = len(comments) > SHOWN
    comments = [comment for comment in comments[:SHOWN] if comment.can_view(viewer)]
    load_references(comments, "author")
    for comment in comments:
        comment._data["post"] = post
    ids = {comment.pk for comment in comments}
    replies = {}
    top = []
    for comment in comments:
        if comment.parent_id() in ids:
            replies.setdefault(comment.parent_id(), []).append(comment)
        else:
            top.append(comment)
    return [(comment, replies.get(comment.pk, [])) for comment in top], more


def visible_comments(post):
    """A post's visible comments, oldest first (the API's list)."""
    return Comment.objects(post=post, status="visible").order_by("created_at", "_id")


def queue(status):
    """Comments with ``status`` for the moderation page: pending ones oldest first (the
    longest waiting at the top), the others newest first."""
    order = ("created_at", "_id") if status == "pending" else ("-created_at", "-_id")
    return Comment.objects(status=status).order_by(*order)


def pending_count():
    return Comment.objects(status="pending").count()


def comment_count(post):
    """All the post's comments, whatever their status (what deleting it deletes)."""
    return Comment.objects(post=post).count()
