"""The points ledger: one Transfer per movement of kudos points."""
from mongoengine import DateTimeField, IntField, ReferenceField, StringField

from blog.models.base import TimestampedDocument, utcnow
from blog.models.user import User

# pending: written, points perhaps partly moved; applied: both balances changed;
# done: finished and audited; cancelled: nothing moved.
STATES = ("pending", "applied", "done", "cancelled")


class Transfer(TimestampedDocument):
    # None for points an admin grants, which come from no one's balance.
    sender = ReferenceField(User, null=True)
    recipient = ReferenceField(User, required=True)
    amount = IntField(required=True, min_value=1)
    state = StringField(choices=STATES, default="pending")
    updated_at = DateTimeField(default=utcnow)

    meta = {
        "collection": "transfer",
        "indexes": [("state", "created_at"), "sender", "recipient"],
        "ordering": ["-created_at"],
    }

    def __str__(self):
        return f"{self.amount} points, {self.state}"
