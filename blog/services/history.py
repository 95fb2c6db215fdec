"""The audit history's filters, read from the query string by the page and the API alike."""
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta, timezone

from bson import ObjectId

from blog.models import User
from blog.models.audit import ACTIONS, AuditLog

# A name, or names joined by commas (a bulk write's summary entry).
COLLECTION_NAME = re.compile(r"[a-z_,]{1,40}")
MAX_ACTOR = 254


class BadFilter(ValueError):
    """A filter value that cannot mean anything; its message says why, and
    ``parameter`` names the query parameter."""

    def __init__(self, message, parameter):
        super().__init__(message)
        self.parameter = parameter


@dataclass
class AuditFilters:
    action: str = ""
    collection: str = ""
    actor: str = ""
    document: str = ""
    date_from: str = ""
    date_to: str = ""

    # Query parameter names; ``from`` and ``to`` are Python keywords.
    PARAMETERS = {"action": "action", "collection": "collection", "actor": "actor",
                  "document": "document", "date_from": "from", "date_to": "to"}

    @classmethod
    def read(cls, args, trim=True):
        """The filters in ``args`` (a request's query string), as typed: trimmed, as people
        type them on the page, or as sent (``trim=False``, for programs)."""
        values = {attribute: args.get(parameter, "")
                  for attribute, parameter in cls.PARAMETERS.items()}
        return cls(**{attribute: value.strip() if trim else value
                      for attribute, value in values.items()})

    @classmethod
    def from_args(cls, args, trim=True):
        """The filters in ``args``, checked; raises BadFilter."""
        filters = cls.read(args, trim)
        filters.query()
        return filters

    def as_args(self):
        """The filters that are set, as query parameters (for links and the pager)."""
        return {self.PARAMETERS[name]: value for name, value in asdict(self).items() if value}

    @property
    def is_set(self):
        return bool(self.as_args())

    def query(self):
        """The matching entries, newest first; raises BadFilter on a value that makes no sense."""
        if self.action and self.action not in ACTIONS:
            raise BadFilter(f"“action” must be one of {', '.join(ACTIONS)}.", "action")
        if self.collection and not COLLECTION_NAME.fullmatch(self.collection):
            raise BadFilter("“collection” must be a collection name, like user or post.",
                            "collection")
        if self.document and not ObjectId.is_valid(self.document):
            raise BadFilter("“document” must be a document id (24 hexadecimal digits).",
                            "document")
        since = _instant(self.date_from, "from")
        until = _instant(self.date_to, "to", end_of_day=True)
        if since and until and since >= until:
            raise BadFilter("“from” must be before “to”.", "from")
        return AuditLog.history(
            action=self.action or None, collection=self.collection or None,
            actor=self._actor(), document_id=ObjectId(self.document) if self.document else None,
            since=since, until=until)

    def _actor(self):
        """A user id, or a name compared as it was stored (emails are lowercase)."""
        if not self.actor:
            return None
        if len(self.actor) > MAX_ACTOR:
            raise BadFilter(f"“actor” must be at most {MAX_ACTOR} characters.", "actor")
        if ObjectId.is_valid(self.actor):
            return ObjectId(self.actor)
        return self.actor.lower()


def _instant(text, parameter, end_of_day=False):
    """A date (``2025-03-01``) or a date and time in ISO 8601, as an aware UTC datetime.

    A bare date given as ``to`` includes that whole day.
    """
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            return datetime.combine(day, time(), tzinfo=timezone.utc)
        if len(text) > 40:
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise BadFilter(f"“{parameter}” must be a date like 2025-03-31, or a date and time "
                        "in ISO 8601.", parameter) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise BadFilter(f"“{parameter}” is out of range.", parameter) from None


def actor_names(entries):
    """``{user id: name}`` for the users who made ``entries``, in one query."""
    ids = {entry.actor_id for entry in entries} - {None}
    if not ids:
        return {}
    return {user.pk: user.name for user in User.objects(pk__in=list(ids)).only("name")}
