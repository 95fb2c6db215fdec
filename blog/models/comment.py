"""Readers' comments on posts, in their own collection (a popular post's comments would
outgrow the 16 MB a document may hold).

A comment is ``visible`` (everyone reads it), ``pending`` (waiting for a
moderator; its author, moderators and admins see it) or ``hidden`` (a
moderator took it off the page). A reply names its top-level comment as
``parent``: threads are one level deep. Each post keeps the number of its
visible comments (``Post.comment_count``), changed by ``$inc`` as a comment's
status changes, so lists of posts show it without a query per post.
"""
from datetime import timedelta

from bson import ObjectId
from mongoengine import (
    CASCADE, NULLIFY, DateTimeField, DoesNotExist, ReferenceField, StringField, ValidationError,
)

from blog.models.base import (
    PAGES, STATISTICS, TimestampedDocument, aware, month_name, utcnow,
)
from blog.models.post import Post
from blog.models.user import User
from blog.text.markdown import TooComplex, link_count, plain_text, render_comment_markdown

STATUSES = ("visible", "pending", "hidden")
MAX_BODY = 5000
# How long its author may change a comment after writing it.
EDIT_MINUTES = 15
LABEL_WORDS = 40


class Comment(TimestampedDocument):
    post = ReferenceField(Post, required=True, reverse_delete_rule=CASCADE)
    # Deleting an account deletes its comments, each with its own audit entry.
    author = ReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    # The top-level comment this one answers; replies to a deleted comment stay, as
    # top-level comments.
    parent = ReferenceField("self", null=True, reverse_delete_rule=NULLIFY)
    body = StringField(required=True, max_length=MAX_BODY, multiline=True)
    html = StringField(default="", multiline=True)
    status = StringField(choices=STATUSES, default="pending")
    # When its author last changed the text (a moderator's decision is not an edit).
    edited_at = DateTimeField(null=True)

    meta = {
        "collection": "comment",
        "indexes": [
            # A post's comments in order, by status; and how many a post has.
            ("post", "status", "created_at", "_id"),
            # The moderation queue, oldest first, and comments per month.
            ("status", "created_at", "_id"),
            # A person's comments, for their export and when their account is deleted.
            ("author", "created_at", "_id"),
            # Whether an author already has a visible comment.
            ("author", "status"),
            # The author's previous comment on a post, to refuse a double post.
            ("author", "post", "-created_at"),
            # The replies to a comment that is deleted.
            "parent",
        ],
    }

    audited = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The status as stored, so that a save knows how the post's count changes.
        self._stored_status = None if self._created else self.status

    def __str__(self):
        return self.audit_label()

    def audit_label(self):
        """The start of the text, and the post's title."""
        words = plain_text(self.html).split() or (self.body or "").split()
        start = " ".join(words)
        if len(start) > LABEL_WORDS:
            start = start[:LABEL_WORDS].rstrip() + "…"
        return f"“{start}” on {self.post_title()}"

    def post_title(self):
        try:
            post = self.post
        except DoesNotExist:
            post = None
        return getattr(post, "title", None) or "a deleted post"

    def stale_groups(self, created=False):
        # Only a comment readers see (or saw) changes the pages cached for visitors; a
        # pending one changes the statistics (the queue's size) only.
        if "visible" in (self.status, self._stored_status):
            return (PAGES, STATISTICS)
        return (STATISTICS,)

    def counted(self, now=None):
        """One comment of its status; a visible one also in the month it was written."""
        amounts = {("comments", self.status): 1}
        if self.status == "visible" and self.created_at is not None:
            amounts[("commented", month_name(self.created_at))] = 1
        return amounts

    @property
    def is_visible(self):
        return self.status == "visible"

    @property
    def is_pending(self):
        return self.status == "pending"

    @property
    def link_count(self):
        return link_count(self.html)

    def clean(self):
        if isinstance(self.body, str):
            self.body = self.body.strip()
            if not self.body:
                raise ValidationError(errors={"body": "Write something first."})
            if len(self.body) > MAX_BODY:
                raise ValidationError(errors={"body": f"A comment can be at most {MAX_BODY:,} "
                                                      f"characters ({len(self.body):,} now)."})
            try:
                self.html = render_comment_markdown(self.body)
            except TooComplex as error:
                raise ValidationError(errors={"body": str(error)}) from None
        if self.status not in STATUSES:
            raise ValidationError(errors={"status": "Choose visible, pending or hidden."})
        self.stamp(utcnow())

    def save(self, *args, **kwargs):
        before = self._stored_status
        result = super().save(*args, **kwargs)
        self._stored_status = self.status
        self._count_change(int(self.status == "visible") - int(before == "visible"))
        return result

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._count_change(-int(self._stored_status == "visible"))
        self._stored_status = None
        return result

    def _count_change(self, change):
        if change:
            Post.objects(pk=self._post_id()).update_one(inc__comment_count=change)

    def _post_id(self):
        value = self._data.get("post")
        return getattr(value, "pk", None) or getattr(value, "id", None) or value

    def author_id(self):
        value = self._data.get("author")
        return getattr(value, "pk", None) or getattr(value, "id", None) or value

    def parent_id(self):
        value = self._data.get("parent")
        return getattr(value, "pk", None) or getattr(value, "id", None) or value

    @property
    def editable_until(self):
        return aware(self.created_at) + timedelta(minutes=EDIT_MINUTES)

    @property
    def was_edited(self):
        return self.edited_at is not None

    def is_authored_by(self, user):
        return user.is_authenticated and self.author_id() == user.pk

    def can_edit(self, user, now=None):
        """Its author, for ``EDIT_MINUTES`` after writing it."""
        return self.is_authored_by(user) and (now or utcnow()) < self.editable_until

    def can_delete(self, user):
        """Its author, the post's author, moderators and admins."""
        if not user.is_authenticated:
            return False
        if user.is_moderator or self.author_id() == user.pk:
            return True
        try:
            post = self.post
        except DoesNotExist:
            return False
        return post is not None and post._author_id() == user.pk

    def can_view(self, user):
        """A visible comment, anyone; a pending one, its author, moderators and admins."""
        if self.status == "visible":
            return True
        if not user.is_authenticated:
            return False
        return user.is_moderator or (self.status == "pending" and self.author_id() == user.pk)

    @classmethod
    def by_id(cls, comment_id):
        """The comment with this id, or None (also for text that is not an id)."""
        if not isinstance(comment_id, str) or not ObjectId.is_valid(comment_id):
            return None
        return cls.objects(pk=comment_id).first()
