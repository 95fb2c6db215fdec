"""Writing the audit history.

Documents of every class that declares itself ``audited`` (blog.models.base)
are audited by signal handlers: a snapshot taken when a document is loaded is
diffed against what is saved, so the pages, the API and the CLI all get
entries without asking for them. (``reload()`` sends no
signal: load a document afresh rather than reload one that will be saved.)
Events that change no document (a login, a failed login, a transfer of
points) are recorded with ``record``.

The actor is whoever ``acting_for`` names (the owner of a mailed link), the
logged-in user of the current request, ``anonymous`` for a request with nobody
logged in, whoever ``acting_as`` names (the ``flask`` commands act as ``cli``),
and ``system`` otherwise.
"""
import contextlib
import contextvars
import datetime
import os
from collections import Counter

from bson import ObjectId
from flask import has_request_context, request
from flask_login import current_user
from mongoengine import signals

from blog.models import document_classes
from blog.models.audit import ANONYMOUS, SYSTEM, AuditLog
# Computed from other fields on save (rendering, search terms, timestamps):
# recording them again is noise.
DERIVED_FIELDS = {"html", "excerpt", "updated_at", "created_at", "search_terms", "title_terms",
                  "tag_terms", "stemmed_text"}
# Fields whose values never leave the database: the entry only says they changed.
# Any field named like a secret is treated the same, should one be added later.
SECRET_FIELDS = {"password_hash": "password", "session_token": "session_token"}
SECRET_WORDS = ("password", "token", "secret", "hash")
REDACTED = "changed"
MAX_TEXT = 1000
CONTEXT_BEFORE_CHANGE = 100
MAX_LABEL = 300

_action_override = contextvars.ContextVar("audit_action_override", default=None)
_suppressed = contextvars.ContextVar("audit_suppressed", default=None)
_actor_outside_requests = contextvars.ContextVar("audit_actor", default=SYSTEM)
_acting_user = contextvars.ContextVar("audit_acting_user", default=None)
_connected = False


def connect_signals():
    """Audit every save and delete of the audited document classes, once per process."""
    global _connected
    if _connected:
        return
    for document_class in _audited():
        signals.post_init.connect(_take_snapshot, sender=document_class)
        signals.post_save.connect(_saved, sender=document_class)
        signals.post_delete.connect(_deleted, sender=document_class)
    _connected = True


def _audited():
    return [document_class for document_class in document_classes() if document_class.audited]


@contextlib.contextmanager
def acting_as(actor):
    """Record what happens inside, outside any request, as done by ``actor`` (e.g. ``cli``)."""
    token = _actor_outside_requests.set(actor)
    try:
        yield
    finally:
        _actor_outside_requests.reset(token)


@contextlib.contextmanager
def acting_for(user):
    """Record what happens inside as done by ``user``, who is not logged in but proved who
    they are another way (a link mailed to them)."""
    token = _acting_user.set((user.pk, user.email))
    try:
        yield
    finally:
        _acting_user.reset(token)


def record(action, document=None, changes=None, *, collection=None, document_id=None,
           label=None):
    """Write one entry and return it.

    ``document`` gives the collection, id and label; without one, pass them
    (a failed login for an unknown email has no document). ``changes`` is
    ``{field: [old, new]}``; its values are made JSON-safe here.
    """
    entry = new_entry(action, document, changes, collection=collection,
                      document_id=document_id, label=label)
    entry.save()
    return entry


def new_entry(action, document=None, changes=None, *, collection=None, document_id=None,
              label=None):
    """The entry ``record`` writes, validated but not saved: for a caller that inserts it
    with other writes (in a transaction)."""
    if document is not None:
        collection = collection or document._meta["collection"]
        document_id = document_id or document.pk
        label = label if label is not None else document.audit_label()
    actor_id, actor = _actor()
    entry = AuditLog(
        actor_id=actor_id, actor=actor, action=action, collection=collection,
        document_id=ObjectId(document_id) if document_id else None,
        label=_truncate(label or "", MAX_LABEL), ip=_client_ip(),
        changes={field: _plain(_around_change(value), MAX_TEXT)
                 for field, value in (changes or {}).items()},
    )
    entry.validate()
    return entry


@contextlib.contextmanager
def recorded_as(action):
    """Record the updates inside as ``action`` (e.g. ``logout``) rather than ``update``."""
    token = _action_override.set(action)
    try:
        yield
    finally:
        _action_override.reset(token)


@contextlib.contextmanager
def suppressed():
    """Write no entry per document inside; yields how many documents of each
    collection were saved or deleted.

    For bulk writes (a seed), which call ``record_bulk`` with the counts
    afterwards so that the history still shows that they happened.
    """
    counts = Counter()
    token = _suppressed.set(counts)
    try:
        yield counts
    finally:
        _suppressed.reset(token)


def record_bulk(description, counts, action="create"):
    """One summary entry for many documents written at once.

    ``counts`` maps a collection name to how many documents were written, as
    ``suppressed()`` yields it.
    """
    counts = {name: number for name, number in counts.items() if number}
    if not counts:
        return None
    # Each collection's document count before and after.
    changes = {}
    for name, number in sorted(counts.items()):
        now = _count(name)
        changes[name] = [now + {"create": -number, "delete": number}.get(action, 0), now]
    collection = ",".join(sorted(counts))
    summary = ", ".join(f"{number} {name}{'' if number == 1 else 's'}"
                        for name, number in sorted(counts.items()))
    return record(action, changes=changes, collection=collection,
                  label=f"{description}: {summary}")


@contextlib.contextmanager
def bulk(description, action="create"):
    """``suppressed()`` and then ``record_bulk()``, also when the block fails half way."""
    with suppressed() as counts:
        try:
            yield counts
        finally:
            record_bulk(description, counts, action)


def _count(collection):
    for document_class in _audited():
        if document_class._meta["collection"] == collection:
            return document_class.objects.count()
    return 0


def _take_snapshot(sender, document, **kwargs):
    # A new document is diffed against nothing, so only loaded ones need a snapshot.
    if not document._created:
        document._audit_snapshot = _flatten(document.to_mongo().to_dict())


def _saved(sender, document, created=False, **kwargs):
    before = {} if created else getattr(document, "_audit_snapshot", {})
    after = _flatten(document.to_mongo().to_dict())
    document._audit_snapshot = after
    _write(document, "create" if created else "update", _diff(before, after))


def _deleted(sender, document, **kwargs):
    before = getattr(document, "_audit_snapshot", None) or _flatten(document.to_mongo().to_dict())
    _write(document, "delete", _diff(before, {}))


def _write(document, action, changes):
    counts = _suppressed.get()
    if counts is not None:
        counts[document._meta["collection"]] += 1
        return
    if action == "update":
        if not changes:
            return
        action = _action_override.get() or action
    record(action, document, changes)


def _diff(before, after):
    changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if old == new or (old in (None, "", []) and new in (None, "", [])):
            continue
        if field in SECRET_FIELDS or any(word in field.lower() for word in SECRET_WORDS):
            changes[SECRET_FIELDS.get(field, field)] = REDACTED
        else:
            changes[field] = [old, new]
    return changes


def _flatten(values, prefix=""):
    """``{"profile": {"age": 30}}`` as ``{"profile.age": 30}``, every value JSON-safe.

    Derived fields are left out here, before the (long) search term lists cost anything.
    """
    flat = {}
    for key, value in values.items():
        if key.startswith("_") or key in DERIVED_FIELDS:
            continue
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = _plain(value)
    return flat


def _plain(value, max_text=None):
    """``value`` with only JSON types; texts cut to ``max_text`` characters if given."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, ObjectId):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        # Milliseconds, as the database keeps them: a reloaded date must compare equal.
        return value.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds")
    if isinstance(value, (list, tuple)):
        return [_plain(item, max_text) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item, max_text) for key, item in value.items()}
    if isinstance(value, str) and max_text:
        return _truncate(value, max_text)
    return value


def _around_change(change):
    """A long text's old and new values from a little before they first differ.

    Entries keep at most MAX_TEXT characters of a text; starting both values
    near the first difference keeps the change itself in view.
    """
    if not (isinstance(change, list) and len(change) == 2
            and all(isinstance(value, str) for value in change)):
        return change
    old, new = change
    start = len(os.path.commonprefix([old, new])) - CONTEXT_BEFORE_CHANGE
    if max(len(old), len(new)) <= MAX_TEXT or start <= 0:
        return change
    return ["…" + old[start:], "…" + new[start:]]


def _truncate(text, limit):
    # The entry says how a long text began; the document keeps the whole of it.
    return text if len(text) <= limit else text[:limit - 1] + "…"


def actor_name():
    """Who is acting now, as an entry names them: an email, or cli, system or anonymous."""
    return _actor()[1]


def _actor():
    if _acting_user.get() is not None:
        return _acting_user.get()
    if has_request_context():
        user = current_user
        if user and user.is_authenticated:
            return user.pk, user.email
        return None, ANONYMOUS
    return None, _actor_outside_requests.get()


def _client_ip():
    return request.remote_addr if has_request_context() else None
