"""The base every document shares, and how each document class is found.

A document class says in its own definition how the rest of the blog treats
it: ``audited`` (its saves and deletes go to the audit history) with
``audit_label()`` (how an entry names it), and ``stale_groups()`` (which
cached groups a save or delete makes stale). The audit writer
(blog.services.audit), the cache (blog.cache.invalidation) and index creation
read these through ``document_classes()``, so a new document type is one
class in one module of this package.
"""
from datetime import datetime, timezone

from mongoengine import (
    DateTimeField, Document, EmbeddedDocument, EmbeddedDocumentField, ListField, StringField,
    ValidationError,
)
from mongoengine.base.document import NON_FIELD_ERRORS

from blog.models.querysets import BlogQuerySet
from blog.text.normalise import without_control_characters

# The cached groups a change can make stale, by name (blog.cache keeps them).
PAGES = "pages"             # every page cached for visitors who are not logged in
TAG_COUNTS = "tag-counts"   # the published posts' tags and their counts
STATISTICS = "statistics"   # the admin dashboard's figures
# Embedded documents whose own fields have form fields (the profile's website).
EMBEDDED_FIELDS = ("profile",)


def user_group(user_id):
    """The group of one user's cached lookup (the user behind a logged-in request)."""
    return f"user:{user_id}"


def utcnow():
    return datetime.now(timezone.utc)


def month_name(moment):
    """The calendar month of ``moment`` as counters name it: ``2026-11``."""
    return f"{moment.year:04d}-{moment.month:02d}"


def aware(moment):
    """``moment`` in UTC with its time zone: the embedded store gives back naive UTC times."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


class BlogDocument(Document):
    meta = {"abstract": True, "queryset_class": BlogQuerySet, "auto_create_index": False}

    # Whether saves and deletes of this class are written to the audit history.
    audited = False

    def audit_label(self):
        """How the audit history names this document."""
        return str(self.pk or "")

    def stale_groups(self, created=False):
        """The cached groups that saving (``created`` when new) or deleting this makes stale."""
        return ()

    def counted(self, now=None):
        """What this document adds to the counters (blog.models.counter), as
        ``{(kind, name): amount}``: the counters hold the sum over every document.
        ``now`` asks for the amounts as shown at that moment, where they depend on
        time (a scheduled post); None, as stored."""
        return {}

    def validate(self, clean=True):
        """Validate as MongoEngine does, once control characters are out of every string.

        Every save (from a page, the API or a command) comes through here, before
        the document's ``clean()`` and whatever it overrides.
        """
        if clean:
            remove_control_characters(self)
        super().validate(clean=clean)


def remove_control_characters(document):
    """Take control characters out of the string fields of ``document`` and of its
    embedded documents; a field declared ``StringField(multiline=True)`` (Markdown,
    a bio) keeps its tabs and newlines (blog.text.normalise)."""
    for name, field in document._fields.items():
        value = document._data.get(name)
        multiline = getattr(field, "multiline", False)
        if isinstance(field, StringField):
            cleaned = without_control_characters(value, multiline)
        elif isinstance(field, ListField) and isinstance(field.field, StringField) \
                and isinstance(value, list):
            cleaned = [without_control_characters(item, multiline) for item in value]
        elif isinstance(field, EmbeddedDocumentField) and isinstance(value, EmbeddedDocument):
            remove_control_characters(value)
            continue
        else:
            continue
        if cleaned != value:
            setattr(document, name, cleaned)


class TimestampedDocument(BlogDocument):
    """A document that records when it was created and last saved."""

    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField()

    meta = {"abstract": True}

    def stamp(self, now):
        """Set ``updated_at`` as a save does: always for a stored document, once for a new one
        (which may bring its own, as imported or demo content does)."""
        if self.pk is not None or self.updated_at is None:
            self.updated_at = now


def document_classes():
    """Every document class, in the order its module defines it."""
    found = []
    pending = [BlogDocument]
    while pending:
        for subclass in pending.pop(0).__subclasses__():
            pending.append(subclass)
            if not subclass._meta.get("abstract"):
                found.append(subclass)
    return found


def audited_collections():
    """The collections whose documents have a history."""
    return [document._get_collection_name() for document in document_classes()
            if document.audited]


def field_messages(error: ValidationError):
    """``{field: message}`` from a document's ValidationError.

    mongoengine files what ``clean()`` raised under ``__all__`` and adds the
    fields' own generic checks; the messages from ``clean()`` are the clearer.
    """
    errors = dict(error.errors or {})
    from_clean = errors.pop(NON_FIELD_ERRORS, None)
    messages = {}
    for name, detail in errors.items():
        nested = detail if isinstance(detail, dict) else getattr(detail, "errors", None)
        if name in EMBEDDED_FIELDS and isinstance(nested, dict):
            # An embedded document's own fields (the profile's website) have form fields.
            messages.update(field_messages(ValidationError(errors=nested)))
        else:
            messages[name] = field_message_text(detail)
    if isinstance(from_clean, ValidationError) and from_clean.errors:
        messages.update({name: field_message_text(detail)
                         for name, detail in from_clean.errors.items()})
    elif from_clean is not None:
        messages[NON_FIELD_ERRORS] = field_message_text(from_clean)
    return messages


def field_message_text(detail):
    """One message in words from a ValidationError's detail, however nested."""
    if isinstance(detail, dict):
        return " ".join(field_message_text(value) for value in detail.values())
    if isinstance(detail, ValidationError):
        if detail.errors:
            return field_message_text(detail.errors)
        return detail.message
    return str(detail)
