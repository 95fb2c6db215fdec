"""``flask activity watch`` and the change feed behind it."""
import logging
from datetime import timedelta
from itertools import islice
from types import SimpleNamespace

import pytest
from pymongo.errors import AutoReconnect, OperationFailure, ServerSelectionTimeoutError

from blog.services import audit
from blog.models import AuditLog
from blog.models.user import utcnow
from blog.services import activity


def change(label, action="update", **fields):
    return audit.record(action, collection="post", label=label, **fields)


def labels(entries):
    return [entry.label for entry in entries]


def test_the_feed_shows_the_backlog_then_each_new_change(app):
    with app.app_context():
        for number in range(4):
            change(f"old {number}")
        arrivals = iter(["new 1", "new 2"])

        def meanwhile(seconds):
            change(next(arrivals))

        feed = activity.changes(backlog=2, interval=0, streamed=False, sleep=meanwhile)
        assert labels(islice(feed, 4)) == ["old 2", "old 3", "new 1", "new 2"]


def test_a_change_stamped_early_but_written_late_is_still_shown_once(app):
    """Two processes, two clocks: an entry may be written after one stamped later."""
    with app.app_context():
        change("first")
        writes = iter([
            lambda: change("stamped now"),
            lambda: AuditLog(actor="system", action="update", collection="post",
                             label="stamped two seconds early",
                             at=utcnow() - timedelta(seconds=2)).save(),
        ])
        feed = activity.changes(backlog=1, interval=0, streamed=False,
                                sleep=lambda seconds: next(writes)())
        assert labels(islice(feed, 3)) == ["first", "stamped now", "stamped two seconds early"]


def test_watch_prints_time_actor_action_and_document(app, runner, make_user):
    user = make_user(email="ann@example.com")
    with app.app_context():
        change("Hello world", action="create")
    result = runner.invoke(args=["activity", "watch", "--backlog", "2", "--limit", "2"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"system  create  user {user.email!r}")
    assert lines[1].endswith("system  create  post 'Hello world'")
    assert "Reading the audit log every 1 s" in result.stderr


def test_watch_follows_new_changes_and_stops_cleanly_on_ctrl_c(app, runner, monkeypatch):
    naps = []

    def nap(seconds):
        naps.append(seconds)
        if len(naps) == 1:
            change("written while watching")
        else:
            raise KeyboardInterrupt

    monkeypatch.setattr(activity, "time", SimpleNamespace(sleep=nap))
    result = runner.invoke(args=["activity", "watch", "--backlog", "0", "--interval", "0.5"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1].endswith("cli  update  post 'written while watching'")
    assert "Stopped." in result.stderr and naps == [0.5, 0.5]


class FakeStream:
    """A change stream that yields ``events`` and raises any exception among them; each
    event's ``_id`` is its resume token."""

    def __init__(self, events):
        self.events, self.closed, self.resume_token = events, False, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def __iter__(self):
        for event in self.events:
            if isinstance(event, Exception):
                raise event
            self.resume_token = event["_id"]
            yield event


class Watchable:
    """The audit log's collection, with ``watch`` answered by streams given in advance:
    each opening takes the next, or fails with it when it is an exception."""

    def __init__(self, collection, *streams):
        self.collection, self.streams, self.openings = collection, list(streams), []

    def watch(self, pipeline, resume_after=None):
        self.openings.append((pipeline, resume_after))
        stream = self.streams.pop(0)
        if isinstance(stream, Exception):
            raise stream
        return stream

    def __getattr__(self, name):
        return getattr(self.collection, name)


def inserted(entry, token):
    return {"_id": {"_data": token}, "operationType": "insert", "fullDocument": entry.to_mongo()}


def unsaved(label):
    return AuditLog(actor="bob@example.com", action="delete", collection="post", label=label,
                    at=utcnow())


def test_a_replica_set_feeds_the_watch_from_a_change_stream(app, monkeypatch):
    with app.app_context():
        in_backlog = change("in the backlog")
        stream = FakeStream([inserted(in_backlog, "1"), inserted(unsaved("streamed"), "2")])
        collection = Watchable(AuditLog._get_collection(), stream)
        monkeypatch.setattr(AuditLog, "_get_collection", lambda: collection)
        monkeypatch.setattr("blog.store.connection.supports_change_streams", lambda: True)
        assert labels(islice(activity.changes(backlog=1), 2)) == ["in the backlog", "streamed"]
        assert collection.openings == [([{"$match": {"operationType": "insert"}}], None)]
        assert stream.closed


def test_the_stream_is_opened_again_after_an_election_from_the_last_change_seen(
        app, monkeypatch):
    election = AutoReconnect("not primary")
    stepped_down = FakeStream([inserted(unsaved("before"), "1"), election])
    after = FakeStream([inserted(unsaved("after"), "2"), inserted(unsaved("later"), "3")])
    lost = OperationFailure("resume point no longer in the oplog", code=286)
    naps = []
    with app.app_context():
        collection = Watchable(AuditLog._get_collection(), stepped_down,
                               ServerSelectionTimeoutError("no primary"),
                               ServerSelectionTimeoutError("no primary"), after, lost,
                               FakeStream([inserted(unsaved("anew"), "9")]))
        monkeypatch.setattr(AuditLog, "_get_collection", lambda: collection)
        feed = activity.changes(backlog=0, streamed=True, sleep=naps.append)
        assert labels(islice(feed, 4)) == ["before", "after", "later", "anew"]
    assert [resume for _, resume in collection.openings] == [
        None, {"_data": "1"}, {"_data": "1"}, {"_data": "1"}, {"_data": "3"}, None]
    # Waits that double while the server is away, and start again once it answered.
    assert naps == [0.5, 1, 2, 0.5]
    assert stepped_down.closed and after.closed


@pytest.mark.parametrize("label, document_id, shown", [
    ("Hello", None, "post 'Hello'"),
    ("", "0123456789abcdef01234567", "post 0123456789abcdef01234567"),
])
def test_a_change_is_one_line(label, document_id, shown):
    entry = AuditLog(actor="ann@example.com", action="update", collection="post", label=label,
                     document_id=document_id, at=utcnow().replace(year=2025, month=3, day=4,
                                                                hour=5, minute=6, second=7))
    assert activity.describe(entry) == f"2025-03-04 05:06:07  ann@example.com  update  {shown}"


def test_a_change_stream_waiting_for_changes_is_not_logged_as_slow(app, caplog):
    from blog.store.monitoring import CommandLogger

    def answered(command, reply, seconds):
        return SimpleNamespace(command_name=command, database_name="blog", reply=reply,
                               duration_micros=int(seconds * 1e6))

    with app.app_context(), caplog.at_level(logging.WARNING, logger="blog.db"):
        # A getMore of the stream that waited a second and found nothing, then a find that
        # worked for a second.
        CommandLogger().succeeded(answered("getMore", {"cursor": {"id": 7, "nextBatch": []}}, 1))
        CommandLogger().succeeded(answered("find", {"cursor": {"id": 0, "firstBatch": []}}, 1))
    slow = [record.message for record in caplog.records if "slow" in record.message]
    assert len(slow) == 1 and "find" in slow[0]
