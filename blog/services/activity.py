"""The change feed: every change, as it happens, for ``flask activity watch``.

Every change leaves an audit entry, and the entry says who made it, so the
feed is the audit log as it grows: read from a change stream where the server
has them (a replica set), and elsewhere by polling for new entries.

Polling asks again for everything written in the last ``SLACK`` before the
newest entry seen, and skips the entries already shown: an entry stamped a
moment before another but written after it (two processes, two clocks) is
still shown once.
"""
import logging
import time
from datetime import timedelta

from pymongo.errors import OperationFailure, PyMongoError

from blog.models import AuditLog
from blog.models.base import aware, utcnow
from blog.store import connection

SLACK = timedelta(seconds=5)
# Waits between attempts to open the change stream again, doubling up to the last.
FIRST_RETRY_SECONDS, LAST_RETRY_SECONDS = 0.5, 30
# The server's codes for a resume token it can no longer resume after.
HISTORY_LOST = (280, 286)

log = logging.getLogger("blog.activity")


def changes(backlog=0, interval=1.0, streamed=None, sleep=None):
    """Audit entries, oldest first: the last ``backlog`` ones, then each new one as it comes.

    Never ends by itself. ``streamed`` says whether to use a change stream
    (by default, whether the server has them).
    """
    if streamed is None:
        streamed = connection.supports_change_streams()
    if streamed:
        return _streamed(backlog, sleep or time.sleep)
    return _polled(backlog, interval, sleep or time.sleep)


def _latest(count):
    return list(AuditLog.objects.order_by("-at", "-id").limit(count))[::-1] if count else []


def _streamed(backlog, sleep):
    """PyMongo resumes a stream once after an error; an election can outlast that, so
    the stream is opened again, after the last change seen, until the server answers."""
    pipeline = [{"$match": {"operationType": "insert"}}]
    resume_after, shown, backlog_shown = None, set(), False
    pause = FIRST_RETRY_SECONDS
    while True:
        try:
            # Opened before the backlog is read, so nothing written meanwhile is missed.
            with AuditLog._get_collection().watch(pipeline, resume_after=resume_after) as stream:
                resume_after = stream.resume_token or resume_after
                if not backlog_shown:
                    for entry in _latest(backlog):
                        shown.add(entry.pk)
                        yield entry
                    backlog_shown = True
                for change in stream:
                    resume_after = stream.resume_token or change["_id"]
                    pause = FIRST_RETRY_SECONDS
                    entry = AuditLog._from_son(change["fullDocument"])
                    if entry.pk not in shown:
                        yield entry
        except PyMongoError as error:
            if isinstance(error, OperationFailure) and error.code in HISTORY_LOST:
                # Too long away: the oplog no longer reaches back to the last change seen.
                log.warning("changes made while the stream was closed may be missing")
                resume_after = None
            log.warning("the change stream stopped (%s); opening it again in %g s",
                        error, pause)
            sleep(pause)
            pause = min(pause * 2, LAST_RETRY_SECONDS)


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
