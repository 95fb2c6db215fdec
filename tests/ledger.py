"""What the points tests share: balances, the ledger's invariant, crashes and a clock."""
import time
from datetime import timedelta
from types import SimpleNamespace

import pymongo
import pytest

from blog.models import Transfer, User
from blog.models.base import utcnow
from blog.models.user import STARTING_POINTS
from blog.services import points


def balance(app, user):
    with app.app_context():
        return User.objects.get(pk=user.pk).points


def assert_ledger_holds(app):
    """Every balance is the starting points plus what finished transfers brought and took."""
    with app.app_context():
        users = list(User.objects)
        done = list(Transfer.objects(state="done"))
        assert not Transfer.objects(state__nin=["done", "cancelled"]).count()
        for user in users:
            received = sum(t.amount for t in done if t.to_mongo()["recipient"] == user.pk)
            sent = sum(t.amount for t in done if t.to_mongo().get("sender") == user.pk)
            assert user.points == STARTING_POINTS + received - sent, user.email
            assert user.points >= 0 and user.pending_transfers == []


class Crash(Exception):
    """The process dying at one step of a transfer."""


def crash_at(monkeypatch, step):
    def crash(*args, **kwargs):
        raise Crash(step)
    monkeypatch.setattr(points, step, crash)


def send_cut_short(step, sender, recipient, amount=30):
    """A transfer whose process died at ``step``."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        crash_at(monkeypatch, step)
        with pytest.raises(Crash):
            points.send_kudos(sender, recipient, amount)


class Clock:
    """The time as the points service and the driver's deadlines (``pymongo.timeout``) see
    it: the real time, plus however far a test moved it on."""

    def __init__(self, monkeypatch):
        self.offset = 0.0
        monkeypatch.setattr(points, "utcnow", lambda: utcnow() + timedelta(seconds=self.offset))
        monkeypatch.setattr(pymongo._csot, "time",
                            SimpleNamespace(monotonic=lambda: time.monotonic() + self.offset))

    def advance(self, seconds):
        self.offset += seconds

    def after_leases(self, app):
        """Move past every lease taken so far, as a process started later would see it."""
        self.advance(app.config["POINTS_RECOVERY_AGE"] + 1)
