"""The change feed: every change, as it happens, for ``flask activity watch``.

Every change leaves an audit entry, and the entry says who made it, so the
feed is the audit log as it grows: read from a change stream where the server
has them (a replica set), and elsewhere by polling for new entries.

Polling asks again for everything written in the last ``SLACK`` before the
newest entry seen, and skips the entries already shown: an entry stamped a
moment before another but written after it (two processes, two clocks) is
still shown once.
"""
import time
from datetime import timedelta

from blog.models import AuditLog
from blog.models.base import aware, utcnow
from blog.store import connection

SLACK = timedelta(seconds=5)


def changes(backlog=0, interval=1.0, streamed=None, sleep=None):
    """Audit entries, oldest first: the last ``backlog`` ones, then each new one as it comes.

    Never ends by itself. ``streamed`` says whether to use a change stream
    (by default, whether the server has them).
    """
    if streamed is None:
        streamed = connection.supports_change_streams()
    if streamed:
        return _streamed(backlog)
    return _polled(backlog, interval, sleep or time.sleep)


def _latest(count):
    return list(AuditLog.objects.order_by("-at", "-id").limit(count))[::-1] if count else []


def _streamed(backlog):
    # Open the stream first, so nothing written while the backlog is read is missed.
    pipeline = [{"$match": {"operationType": "insert"}}]
    with AuditLog._get_collection().watch(pipeline) as stream:
        shown = set()
        for entry in _latest(backlog):
            shown.add(entry.pk)
            yield entry
        for change in stream:
            entry = AuditLog._from_son(change["fullDocument"])
            if entry.pk not in shown:
                yield entry


def _polled(backlog, interval, sleep):
    newest = utcnow()
    shown = {}
    for entry in AuditLog.objects(at__gte=newest - SLACK).only("id", "at"):
        shown[entry.pk] = aware(entry.at)
    for entry in _latest(backlog):
        shown[entry.pk] = aware(entry.at)
        yield entry
    while True:
        fresh = AuditLog.objects(at__gte=newest - SLACK).order_by("at", "id")
        for entry in fresh:
            if entry.pk in shown:
                continue
            shown[entry.pk] = aware(entry.at)
            newest = max(newest, shown[entry.pk])
            yield entry
        shown = {pk: at for pk, at in shown.items() if at >= newest - SLACK}
        sleep(interval)


def describe(entry):
    """One line: time, actor, action, and the document changed."""
    when = entry.at.strftime("%Y-%m-%d %H:%M:%S")
    document = entry.collection
    if entry.label:
        document = f"{document} {entry.label!r}"
    elif entry.document_id:
        document = f"{document} {entry.document_id}"
    return f"{when}  {entry.actor}  {entry.action}  {document}"
