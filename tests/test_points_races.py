"""Transfers finished by two processes at once: a live transfer and a recovery, or two
recoveries, interleaved at every database operation of one of them.

One process runs in a thread that pauses just before its n-th operation on the
users, the transfers or the audit log; the other then runs to its end, and the
paused one goes on. With ``jump``, the pause lasts longer than any lease (as a
stalled process's would), and the driver refuses operations past their
``pymongo.timeout`` deadline as it does on a server. Whatever the
interleaving, no point is lost or paid twice and each transfer is audited once.
"""
import threading

import pymongo
import pytest
from pymongo.errors import ExecutionTimeout

from blog.models import AuditLog, Transfer, User
from blog.services import points
from ledger import Clock, assert_ledger_holds, balance, send_cut_short

PAUSE_SECONDS = 10


class Pausing:
    """A collection whose operations wait, in the paused thread, at the chosen one."""

    def __init__(self, collection, gate):
        self.collection, self.gate = collection, gate

    def __getattr__(self, name):
        method = getattr(self.collection, name)

        def call(*args, **kwargs):
            self.gate.before_operation()
            return method(*args, **kwargs)
        return call


class Gate:
    def __init__(self, pause_at):
        self.pause_at, self.seen = pause_at, 0
        self.thread = None
        self.paused, self.resume = threading.Event(), threading.Event()

    def before_operation(self):
        if threading.current_thread() is self.thread:
            self.seen += 1
            if self.seen == self.pause_at + 1:
                self.paused.set()
                assert self.resume.wait(PAUSE_SECONDS)
        remaining = pymongo._csot.remaining()
        if remaining is not None and remaining <= 0:
            # What the driver does with an operation whose deadline has passed.
            raise ExecutionTimeout("operation would exceed time limit", 50)


def interleave(app, monkeypatch, clock, first, second, pause_at, jump):
    """Run ``first`` in a thread up to its ``pause_at``-th operation, then ``second``, then
    the rest of ``first``. Returns whether ``first`` got that far, and what it raised."""
    gate = Gate(pause_at)
    for name in ("_users", "_transfers", "_audit_log"):
        if not hasattr(points, name):
            continue
        pausing = Pausing(getattr(points, name)(), gate)
        monkeypatch.setattr(points, name, lambda pausing=pausing: pausing)
    raised = []

    def run_first():
        with app.app_context():
            try:
                first()
            except points.TransferDelayed as error:
                raised.append(error)
        gate.paused.set()

    gate.thread = threading.Thread(target=run_first)
    gate.thread.start()
    assert gate.paused.wait(PAUSE_SECONDS)
    reached = gate.thread.is_alive()
    if reached:
        if jump:
            clock.after_leases(app)
        with app.app_context():
            second()
    gate.resume.set()
    gate.thread.join(PAUSE_SECONDS)
    monkeypatch.undo()
    return reached, raised


def check_every_interleaving(app, clock, first, second, setup, jump):
    """``interleave`` at each operation of ``first`` in turn, from a fresh ``setup``; after
    each, whatever a process that stopped left unfinished is recovered, as a later run
    would, and the ledger must hold. Returns what ``first`` raised and how many points
    moved, for each interleaving."""
    outcomes = []
    while True:
        with pytest.MonkeyPatch.context() as monkeypatch:
            setup()
            reached, raised = interleave(app, monkeypatch, clock, first, second,
                                         len(outcomes), jump)
        # A process may only stop because the time it had ran out (a recovery says so in
        # the log; the person sending is told the transfer is delayed).
        with app.app_context():
            clock.after_leases(app)
            points.recover()
            moved = 100 - User.objects.get(email="ann@example.com").points
        assert moved in (0, 30)
        assert_exact(app, moved)
        outcomes.append((raised, moved))
        if not reached:
            assert len(outcomes) >= 4
            return outcomes


@pytest.fixture
def clock():
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield Clock(monkeypatch)


@pytest.fixture
def fresh(app, make_user):
    """Ann and Bob with 100 points each, and nothing else."""
    people = {}

    def setup():
        with app.app_context():
            for document in (AuditLog, Transfer, User):
                document._get_collection().delete_many({})
        people["ann"] = make_user(email="ann@example.com", name="Ann")
        people["bob"] = make_user(email="bob@example.com", name="Bob")
    return setup, people


def assert_exact(app, moved):
    """Ann sent Bob ``moved`` points (0 or 30), and nothing else happened."""
    with app.app_context():
        ann, bob = User.objects.get(email="ann@example.com"), User.objects.get(email="bob@example.com")
        assert (ann.points, bob.points) == (100 - moved, 100 + moved)
        assert AuditLog.objects(action="transfer").count() == (moved > 0)
        assert Transfer.objects(state="done").count() == (moved > 0)
    assert_ledger_holds(app)


@pytest.mark.parametrize("jump", [False, True], ids=["paused", "stalled past the lease"])
@pytest.mark.parametrize("crashed_at", ["_credit", "_record"])
def test_two_recoveries_at_once_pay_a_transfer_once(app, clock, fresh, jump, crashed_at):
    setup, people = fresh

    def crashed_transfer():
        setup()
        with app.app_context():
            send_cut_short(crashed_at, people["ann"], people["bob"])
        clock.after_leases(app)

    def recover():
        points.recover(older_than=0)

    outcomes = check_every_interleaving(app, clock, recover, recover, crashed_transfer, jump)
    assert all(moved == 30 for _, moved in outcomes)


@pytest.mark.parametrize("jump", [False, True], ids=["paused", "stalled past the lease"])
def test_a_recovery_racing_a_live_transfer_pays_it_once(app, clock, fresh, jump):
    setup, people = fresh

    def send():
        points.send_kudos(people["ann"], people["bob"], 30)

    def recover():
        points.recover(older_than=0)

    outcomes = check_every_interleaving(app, clock, send, recover, setup, jump)
    if not jump:
        # The live transfer holds its lease throughout: recovery leaves it alone.
        assert outcomes == [([], 30)] * len(outcomes)


def test_a_stalled_sender_told_of_a_timeout_is_not_charged_twice_by_sending_again(
        app, clock, fresh):
    """The sender whose request timed out after the debit may send again: the first
    transfer is finished by recovery, the second is a transfer of its own."""
    setup, people = fresh
    setup()
    with pytest.MonkeyPatch.context() as monkeypatch:
        reached, raised = interleave(
            app, monkeypatch, clock,
            lambda: points.send_kudos(people["ann"], people["bob"], 30),
            lambda: points.recover(older_than=0), pause_at=1, jump=True)
    assert reached and len(raised) == 1
    assert "will be made or cancelled within 1 minute" in str(raised[0])
    with app.app_context():
        points.send_kudos(people["ann"], people["bob"], 30)
    assert (balance(app, people["ann"]), balance(app, people["bob"])) == (40, 160)
    assert_ledger_holds(app)
