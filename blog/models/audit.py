"""The audit history: one entry per change, login or transfer, never edited."""
from mongoengine import DateTimeField, DictField, ObjectIdField, StringField

from blog.models.base import BlogDocument, utcnow
from blog.models.querysets import BlogQuerySet

ACTIONS = ("create", "update", "delete", "login", "login_failed", "logout", "role_change",
           "transfer", "restore")
# Actors that are not a user: the command line, the app itself, a visitor not logged in.
CLI, SYSTEM, ANONYMOUS = "cli", "system", "anonymous"


class AppendOnlyError(RuntimeError):
    """Something tried to edit or delete an audit entry."""


class AuditQuerySet(BlogQuerySet):
    """Reads and inserts only: every way a queryset edits or deletes raises."""

    def _refuse(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    update = update_one = upsert_one = modify = delete = _refuse


class AuditLog(BlogDocument):
    at = DateTimeField(required=True, default=utcnow)
    # The actor's id, and their email as it was then, or CLI / SYSTEM / ANONYMOUS.
    actor_id = ObjectIdField(null=True)
    actor = StringField(required=True, max_length=254)
    action = StringField(required=True, choices=ACTIONS)
    collection = StringField(required=True, max_length=40)
    document_id = ObjectIdField(null=True)
    label = StringField(default="", max_length=300)
    # {field: [old, new]}, or {field: "changed"} where the values are secret.
    changes = DictField()
    ip = StringField(null=True, max_length=64)

    meta = {
        "collection": "audit_log",
        # Each filter of the history, then newest first with the id that breaks ties.
        "indexes": [
            ("-at", "-id"),
            ("action", "-at", "-id"),
            ("collection", "-at", "-id"),
            ("collection", "document_id", "-at", "-id"),
            ("document_id", "-at", "-id"),
            ("actor_id", "-at", "-id"),
            ("actor", "-at", "-id"),
            # A transfer of points is audited once, however many processes finish it.
            {"fields": ["changes.transfer"], "unique": True, "name": "one_entry_per_transfer",
             "partialFilterExpression": {"action": "transfer"}},
        ],
        "ordering": ["-at", "-id"],
        "queryset_class": AuditQuerySet,
    }

    def __str__(self):
        return f"{self.actor} {self.action} {self.collection} {self.label}"

    def save(self, *args, **kwargs):
        if not self._created:
            raise AppendOnlyError("audit entries are append-only")
        return super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    @classmethod
    def history(cls, action=None, collection=None, actor=None, document_id=None, since=None,
                until=None):
        """Entries newest first, narrowed by whichever filters are given.

        Every filter is compared for equality with a value the caller has
        already parsed, so no text from a request becomes an operator or a
        pattern. ``actor`` is an ObjectId (a user) or a name (an email as it
        was, or CLI / SYSTEM / ANONYMOUS); ``until`` is exclusive.
        """
        entries = cls.objects
        if action:
            entries = entries(action=action)
        if collection:
            entries = entries(collection=collection)
        if document_id:
            entries = entries(document_id=document_id)
        if isinstance(actor, str):
            entries = entries(actor=actor)
        elif actor is not None:
            entries = entries(actor_id=actor)
        if since:
            entries = entries(at__gte=since)
        if until:
            entries = entries(at__lt=until)
        return entries
