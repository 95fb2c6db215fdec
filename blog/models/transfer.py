"""The points ledger: one Transfer per movement of kudos points."""
from mongoengine import DateTimeField, IntField, ReferenceField, StringField

from blog.models.base import TimestampedDocument, utcnow
from blog.models.user import User

# pending: written, points perhaps partly moved; applied: both balances changed;
# audited: its audit entry written, traces left on the users; done: finished;
# cancelled: nothing moved (blog.services.points).
STATES = ("pending", "applied", "audited", "done", "cancelled")
UNFINISHED = ("pending", "applied", "audited")


class Transfer(TimestampedDocument):
    # None for points an admin grants, which come from no one's balance.
    sender = ReferenceField(User, null=True)
    recipient = ReferenceField(User, required=True)
    amount = IntField(required=True, min_value=1)
    state = StringField(choices=STATES, default="pending")
    updated_at = DateTimeField(default=utcnow)
    # Who is moving the transfer on (a process sending it, or one recovering it), and until
    # when no other process may take it over.
    owner = StringField(null=True, max_length=64)
    lease_until = DateTimeField(null=True)

    meta = {
        "collection": "transfer",
        "indexes": [("state", "created_at"), "sender", "recipient"],
        "ordering": ["-created_at"],
    }

    def __str__(self):
        return f"{self.amount} points, {self.state}"
