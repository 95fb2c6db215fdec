"""Earlier versions of a post: the title, text and tags it had before a change."""
from mongoengine import (
    CASCADE, NULLIFY, IntField, ListField, ReferenceField, StringField,
)

from blog.models.base import TimestampedDocument
from blog.models.post import MAX_CONTENT, MAX_TAG_LENGTH, MAX_TITLE, Post
from blog.models.user import User

MAX_NAME = 254


class Revision(TimestampedDocument):
    """Revision ``number`` of ``post``: what it said before the change that
    ``author`` made at ``created_at``."""

    post = ReferenceField(Post, required=True, reverse_delete_rule=CASCADE)
    number = IntField(required=True, min_value=1)
    title = StringField(required=True, max_length=MAX_TITLE)
    content = StringField(default="", max_length=MAX_CONTENT, multiline=True)
    tags = ListField(StringField(max_length=MAX_TAG_LENGTH))
    # Who made the change: a user, or None for the command line (``author_name`` says so).
    author = ReferenceField(User, null=True, reverse_delete_rule=NULLIFY)
    author_name = StringField(default="", max_length=MAX_NAME)

    meta = {
        "collection": "revision",
        # An account's deletion clears its name from the revisions it made (``author``).
        "indexes": [{"fields": ("post", "-number"), "unique": True}, "author"],
        "ordering": ["-number"],
    }

    def __str__(self):
        return f"{self.title} (revision {self.number})"

    def audit_label(self):
        return str(self)

    @classmethod
    def of(cls, post):
        """The post's revisions, newest first."""
        return cls.objects(post=post).order_by("-number")

    @classmethod
    def numbered(cls, post, number):
        """Revision ``number`` of the post, or None (also for text that is not a number)."""
        if not isinstance(number, int) or number < 1:
            return None
        return cls.objects(post=post, number=number).first()
