"""``flask activity watch`` and the change feed behind it."""
from datetime import timedelta
from itertools import islice
from types import SimpleNamespace

import pytest

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
    def __init__(self, events):
        self.events, self.closed = events, False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def __iter__(self):
        return iter(self.events)


class Watchable:
    """The audit log's collection, with ``watch`` answered by a stream given in advance."""

    def __init__(self, collection, stream):
        self.collection, self.stream, self.pipelines = collection, stream, []

    def watch(self, pipeline):
        self.pipelines.append(pipeline)
        return self.stream

    def __getattr__(self, name):
        return getattr(self.collection, name)


def test_a_replica_set_feeds_the_watch_from_a_change_stream(app, monkeypatch):
    with app.app_context():
        in_backlog = change("in the backlog")
        streamed = AuditLog(actor="bob@example.com", action="delete", collection="post",
                            label="streamed", at=utcnow())
        stream = FakeStream([
            {"operationType": "insert", "fullDocument": in_backlog.to_mongo()},
            {"operationType": "insert", "fullDocument": streamed.to_mongo()},
        ])
        collection = Watchable(AuditLog._get_collection(), stream)
        monkeypatch.setattr(AuditLog, "_get_collection", lambda: collection)
        monkeypatch.setattr("blog.store.connection.supports_change_streams", lambda: True)
        assert labels(activity.changes(backlog=1)) == ["in the backlog", "streamed"]
        assert collection.pipelines == [[{"$match": {"operationType": "insert"}}]]
        assert stream.closed


@pytest.mark.parametrize("label, document_id, shown", [
    ("Hello", None, "post 'Hello'"),
    ("", "0123456789abcdef01234567", "post 0123456789abcdef01234567"),
])
def test_a_change_is_one_line(label, document_id, shown):
    entry = AuditLog(actor="ann@example.com", action="update", collection="post", label=label,
                     document_id=document_id, at=utcnow().replace(year=2025, month=3, day=4,
                                                                hour=5, minute=6, second=7))
    assert activity.describe(entry) == f"2025-03-04 05:06:07  ann@example.com  update  {shown}"
