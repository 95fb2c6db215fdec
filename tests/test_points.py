"""Kudos points: sending, granting, refusing, and never losing or doubling a point."""
import random
import re
import threading
from types import SimpleNamespace

import pytest
import pymongo
from pymongo.errors import AutoReconnect, ConnectionFailure, OperationFailure

from blog import create_app, disconnect_db
from blog.models import AuditLog, Transfer, User
from blog.models.user import STARTING_POINTS
from blog.services import points
from conftest import PASSWORD, make_config
from ledger import Clock, Crash, assert_ledger_holds, balance, send_cut_short


@pytest.fixture
def clock():
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield Clock(monkeypatch)


def test_kudos_move_points_and_show_on_both_profiles(app, client, client_for, ann, bob):
    sender = client_for(ann)
    response = sender.post(f"/users/{bob.pk}/kudos", data={"points": "30"})
    assert response.status_code == 302 and response.location == f"/users/{bob.pk}"
    assert b"You sent 30 points to Bob." in sender.get(response.location).data
    assert b"130 points" in client.get(f"/users/{bob.pk}").data
    assert b"70 points" in client.get(f"/users/{ann.pk}").data
    assert b"You have 70 points." in sender.get(f"/users/{bob.pk}").data
    with app.app_context():
        entry = AuditLog.objects(action="transfer").get()
    assert entry.actor == "ann@example.com" and entry.document_id == bob.pk
    assert entry.label == "30 points from ann@example.com to bob@example.com"
    assert entry.changes["points"] == [100, 130] and entry.changes["sender.points"] == [100, 70]
    assert_ledger_holds(app)


def test_kudos_from_a_post_page_go_back_to_it(client_for, make_post, ann, bob):
    make_post(bob, title="Worth it")
    sender = client_for(ann)
    page = sender.get("/posts/worth-it").get_data(as_text=True)
    assert f'action="/users/{bob.pk}/kudos"' in page and 'value="/posts/worth-it"' in page
    response = sender.post(f"/users/{bob.pk}/kudos",
                           data={"points": "5", "next": "/posts/worth-it"})
    assert response.location == "/posts/worth-it"


def test_the_form_is_for_logged_in_readers_of_someone_else(client, client_for, make_post, ann, bob):
    make_post(bob, title="Worth it")
    assert b"kudos-form" not in client.get("/posts/worth-it").data
    assert b"Log in</a> to send Bob kudos" in client.get(f"/users/{bob.pk}").data
    assert b"kudos-form" not in client_for(bob).get(f"/users/{bob.pk}").data
    assert b"kudos-form" not in client_for(bob).get("/posts/worth-it").data
    assert b"kudos-form" in client_for(ann).get(f"/users/{bob.pk}").data


@pytest.mark.parametrize("amount, status, message", [
    ("0", 400, "Send from 1 to 100 points."),
    ("101", 400, "Send from 1 to 100 points."),
    ("-5", 400, "Send from 1 to 100 points."),
    ("ten", 400, "Not a valid integer value."),
    ("", 400, "Say how many points to send."),
    ("60", 409, "You have 50 points: you cannot send 60."),
])
def test_refused_kudos_move_nothing_and_say_why(app, client_for, ann, bob, amount, status,
                                                message):
    with app.app_context():
        User.objects(pk=ann.pk).update_one(set__points=50)
    response = client_for(ann).post(f"/users/{bob.pk}/kudos", data={"points": amount})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert (balance(app, ann), balance(app, bob)) == (50, 100)
    with app.app_context():
        assert not AuditLog.objects(action="transfer").count()


def test_kudos_the_database_is_too_slow_for_say_so_rather_than_fail(
        app, client_for, monkeypatch, clock, ann, bob):
    credit = points._credit

    def slow_credit(transfer, lease):
        clock.advance(points.TRANSFER_SECONDS)   # the debit took all the time there was
        return credit(transfer, lease)

    monkeypatch.setattr(points, "_credit", slow_credit)
    response = client_for(ann).post(f"/users/{bob.pk}/kudos", data={"points": "30"})
    monkeypatch.undo()
    assert response.status_code == 503
    assert ("The database is slow to answer: the transfer will be made or cancelled within 1 "
            "minute. Check the balance before sending again.") in response.get_data(as_text=True)
    # Ann paid: recovery finishes the transfer, and nothing is paid twice.
    with app.app_context():
        clock.after_leases(app)
        assert points.recover() == {"finished": 1, "cancelled": 0}
    assert (balance(app, ann), balance(app, bob)) == (70, 130)
    assert_ledger_holds(app)


def test_no_kudos_to_yourself(app, client_for, ann):
    response = client_for(ann).post(f"/users/{ann.pk}/kudos", data={"points": "10"})
    assert response.status_code == 400 and b"You cannot send points to yourself." in response.data
    assert balance(app, ann) == 100


def test_kudos_need_a_login_a_real_user_and_post(app, client, client_for, ann, bob):
    response = client.post(f"/users/{bob.pk}/kudos", data={"points": "10"})
    assert response.status_code == 302 and response.location.startswith("/auth/login")
    sender = client_for(ann)
    assert sender.post("/users/0123456789abcdef01234567/kudos",
                       data={"points": "10"}).status_code == 404
    assert sender.post("/users/nope/kudos", data={"points": "10"}).status_code == 404
    assert sender.get(f"/users/{bob.pk}/kudos").status_code == 405
    assert (balance(app, ann), balance(app, bob)) == (100, 100)


def csrf_token(page):
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_kudos_need_the_csrf_token_of_the_form(app, client, ann, bob):
    token = csrf_token(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"csrf_token": token, "email": "ann@example.com",
                                     "password": PASSWORD})
    refused = client.post(f"/users/{bob.pk}/kudos", data={"points": "10"})
    assert refused.status_code == 400 and b"CSRF" in refused.data
    assert balance(app, bob) == 100
    token = csrf_token(client.get(f"/users/{bob.pk}").get_data(as_text=True))
    sent = client.post(f"/users/{bob.pk}/kudos", data={"points": "10", "csrf_token": token})
    assert sent.status_code == 302 and balance(app, bob) == 110


def test_concurrent_transfers_never_overdraw_and_keep_the_total(app, make_user):
    users = [make_user(email=f"u{number}@example.com") for number in range(10)]
    outcomes = []

    def transfer_randomly(seed):
        rng = random.Random(seed)
        with app.app_context():
            for _ in range(50):
                sender, recipient = rng.sample(users, 2)
                try:
                    points.send_kudos(sender, recipient, rng.randint(1, 100))
                    outcomes.append("sent")
                except points.NotEnoughPoints:
                    outcomes.append("refused")

    threads = [threading.Thread(target=transfer_randomly, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 400 and "refused" in outcomes and "sent" in outcomes
    with app.app_context():
        assert sum(User.objects.scalar("points")) == 10 * STARTING_POINTS
        assert Transfer.objects(state="done").count() == outcomes.count("sent")
        assert AuditLog.objects(action="transfer").count() == outcomes.count("sent")
    assert_ledger_holds(app)


@pytest.mark.parametrize("step, outcome, ann_after_crash", [
    ("_debit", "cancelled", 100),   # nothing moved: the transfer is cancelled
    ("_credit", "finished", 70),    # the sender paid: the transfer is finished
    ("_finish", "finished", 70),    # both balances moved: the traces are cleared
    ("_record", "finished", 70),    # no audit entry yet: recovery writes it
])
def test_recovery_after_a_crash_leaves_balances_matching_the_ledger(
        app, monkeypatch, clock, ann, bob, step, outcome, ann_after_crash):
    with app.app_context():
        send_cut_short(step, ann, bob)
        assert balance(app, ann) == ann_after_crash
        clock.after_leases(app)
        assert points.recover() == {"finished": outcome == "finished",
                                    "cancelled": outcome == "cancelled"}
        assert points.recover() == {"finished": 0, "cancelled": 0}
        moved = 30 if outcome == "finished" else 0
        assert (balance(app, ann), balance(app, bob)) == (100 - moved, 100 + moved)
        assert AuditLog.objects(action="transfer").count() == (outcome == "finished")
    assert_ledger_holds(app)


def test_a_crash_after_the_audit_entry_does_not_audit_twice(app, monkeypatch, clock, ann, bob):
    set_state = points._set_state

    def crash_before_done(transfer, current, new, lease):
        if new == "done":
            raise Crash("done")
        return set_state(transfer, current, new, lease)

    with app.app_context():
        monkeypatch.setattr(points, "_set_state", crash_before_done)
        with pytest.raises(Crash):
            points.send_kudos(ann, bob, 30)
        monkeypatch.undo()
        clock.after_leases(app)
        assert points.recover()["finished"] == 1
        assert AuditLog.objects(action="transfer").count() == 1
    assert_ledger_holds(app)


def test_a_debit_whose_recipient_vanished_is_given_back(app, monkeypatch, clock, ann, bob):
    with app.app_context():
        send_cut_short("_credit", ann, bob)
        User._get_collection().delete_one({"_id": bob.pk})
        clock.after_leases(app)
        assert points.recover() == {"finished": 0, "cancelled": 1}
        assert balance(app, ann) == 100
    assert_ledger_holds(app)


def test_recovery_leaves_recent_transfers_to_their_process(app, monkeypatch, clock, ann, bob):
    with app.app_context():
        send_cut_short("_credit", ann, bob)
        assert points.recover() == {"finished": 0, "cancelled": 0}
        # However old, a transfer is left alone while the process sending it holds its lease.
        assert points.recover(older_than=0) == {"finished": 0, "cancelled": 0}
        clock.after_leases(app)
        assert points.recover() == {"finished": 1, "cancelled": 0}
    assert_ledger_holds(app)


def test_on_a_server_the_command_waits_for_the_recovery_age(app, runner, monkeypatch, clock,
                                                            ann, bob):
    app.extensions["database_mode"] = "server"
    with app.app_context():
        send_cut_short("_credit", ann, bob)
    result = runner.invoke(args=["points", "recover"])
    assert result.exit_code == 0 and "No transfer was left half done." in result.output
    clock.after_leases(app)
    result = runner.invoke(args=["points", "recover"])
    assert "1 finished, 0 cancelled" in result.output
    assert (balance(app, ann), balance(app, bob)) == (70, 130)


def test_points_recover_command(app, runner, monkeypatch, ann, bob):
    with app.app_context():
        send_cut_short("_credit", ann, bob)
    result = runner.invoke(args=["points", "recover"])
    assert result.exit_code == 0 and "1 finished, 0 cancelled" in result.output
    assert "No transfer was left half done." in runner.invoke(args=["points", "recover"]).output
    assert balance(app, bob) == 130


def test_a_restart_finishes_what_a_crash_left(tmp_path, monkeypatch):
    config = make_config(MONGODB_URI=None, EMBEDDED_DB_PATH=str(tmp_path / "store.db"))
    first = create_app(config)
    with first.app_context():
        ann = User(email="ann@example.com", name="Ann", password_hash="x")
        bob = User(email="bob@example.com", name="Bob", password_hash="x")
        ann.save(), bob.save()
        send_cut_short("_credit", ann, bob)
    disconnect_db(first)
    second = create_app(config)
    points.recover_at_start(second)  # as gunicorn.conf.py and `make run` do at start
    assert (balance(second, ann), balance(second, bob)) == (70, 130)
    assert_ledger_holds(second)
    disconnect_db(second)


def test_admins_grant_points_from_the_users_page(app, client_for, admin, bob):
    page = client_for(admin).get("/admin/users").get_data(as_text=True)
    assert f'action="/admin/users/{bob.pk}/points"' in page
    response = client_for(admin).post(f"/admin/users/{bob.pk}/points",
                                      data={"points": "250", "next": "/admin/users?page=1"})
    assert response.status_code == 302 and response.location == "/admin/users?page=1"
    assert balance(app, bob) == 350 and balance(app, admin) == 100
    with app.app_context():
        entry = AuditLog.objects(action="transfer").get()
        assert entry.label == "250 points granted to bob@example.com"
        assert entry.actor == "admin@example.com" and entry.changes["points"] == [100, 350]
    for amount in ("0", "10001", "x"):
        assert client_for(admin).post(f"/admin/users/{bob.pk}/points",
                                      data={"points": amount}).status_code == 400
    assert client_for(bob).post(f"/admin/users/{bob.pk}/points",
                                data={"points": "5"}).status_code == 403
    assert balance(app, bob) == 350


class FakeTransactionSession:
    """Enough of a pymongo session for ``with_transaction`` on the in-memory store.

    Commits nothing itself: on an error it puts back the collections as they
    were, and the first attempt fails as a transient error would, so the
    callback must be safe to run again. ``after_commit`` is raised once the
    transaction committed, as when the primary steps down before it answers.
    """

    def __init__(self, collections, after_commit=None):
        self.collections = collections
        self.after_commit = after_commit
        self.attempts = 0
        self.active = self.committed = False
        self.options = self.budget = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def with_transaction(self, callback, **options):
        assert options["write_concern"].document == {"w": "majority"}
        self.options, self.budget = options, pymongo._csot.get_timeout()
        self.committed = False
        while True:
            saved = {c.name: list(c.find()) for c in self.collections}
            self.attempts += 1
            try:
                self.active = True
                result = callback(self)
                self.active = False
                if self.attempts == 1:
                    error = OperationFailure("transient")
                    error._error_labels = {"TransientTransactionError"}
                    raise error
                self.committed = True
                if self.after_commit:
                    raise self.after_commit
                return result
            except Exception as error:
                self.active = False
                if self.committed:
                    raise
                for collection in self.collections:
                    collection.delete_many({})
                    if saved[collection.name]:
                        collection.insert_many(saved[collection.name])
                if not (isinstance(error, OperationFailure)
                        and error.has_error_label("TransientTransactionError")):
                    raise


class SessionStripping:
    """A collection that takes ``session=`` as a server's does, and checks that every
    operation inside the transaction is given the session and none outside it is.
    With ``down_after_commit``, every operation after the commit fails, as during
    an election."""

    def __init__(self, collection, session, down_after_commit=False):
        self.collection, self.session = collection, session
        self.down_after_commit = down_after_commit

    def __getattr__(self, name):
        method = getattr(self.collection, name)

        def call(*args, session=None, **kwargs):
            assert (session is self.session) == self.session.active, name
            if self.down_after_commit and self.session.committed:
                raise AutoReconnect("not primary: an election is in progress")
            return method(*args, **kwargs)
        return call


def in_a_transaction(app, monkeypatch, after_commit=None, down_after_commit=False):
    """Transfers as on a replica set, through a FakeTransactionSession."""
    collections = {"_users": User._get_collection(), "_transfers": Transfer._get_collection(),
                   "_audit_log": AuditLog._get_collection()}
    session = FakeTransactionSession(list(collections.values()), after_commit)
    app.extensions["supports_transactions"] = True
    monkeypatch.setattr(points, "get_db", lambda: SimpleNamespace(
        client=SimpleNamespace(start_session=lambda: session)))
    for name, collection in collections.items():
        stripping = SessionStripping(collection, session, down_after_commit)
        monkeypatch.setattr(points, name, lambda stripping=stripping: stripping)
    return session


def test_on_a_replica_set_a_transfer_is_one_transaction_that_survives_a_retry(
        app, monkeypatch, ann, bob):
    with app.app_context():
        session = in_a_transaction(app, monkeypatch)
        points.send_kudos(ann, bob, 30)
        assert session.attempts == 2
        # Bounded well below the proxy's timeout, not with_transaction's 120 s of retries.
        assert 0 < session.budget <= points.TRANSFER_SECONDS
        assert 0 < session.options["max_commit_time_ms"] <= points.TRANSFER_SECONDS * 1000
        session.attempts = 1
        with pytest.raises(points.NotEnoughPoints):
            points.send_kudos(ann, bob, 80)
        monkeypatch.undo()
        assert (balance(app, ann), balance(app, bob)) == (70, 130)
        assert Transfer.objects.count() == 1 and Transfer.objects.get().state == "done"
        entry = AuditLog.objects(action="transfer").get()
        assert entry.changes["points"] == [100, 130] and entry.changes["sender.points"] == [100, 70]
    assert_ledger_holds(app)


def test_an_election_after_the_commit_loses_nothing_and_reports_the_transfer_sent(
        app, client_for, monkeypatch, ann, bob):
    def cache_down(*groups):
        raise ConnectionError("the cache is down too")

    with app.app_context():
        in_a_transaction(app, monkeypatch, down_after_commit=True)
        monkeypatch.setattr(points, "forget", cache_down)
        response = client_for(ann).post(f"/users/{bob.pk}/kudos", data={"points": "30"})
        monkeypatch.undo()
        assert response.status_code == 302
        assert (balance(app, ann), balance(app, bob)) == (70, 130)
        assert Transfer.objects.get().state == "done"
        assert AuditLog.objects(action="transfer").get().changes["points"] == [100, 130]
    assert_ledger_holds(app)


def test_a_commit_whose_answer_was_lost_is_not_reported_as_failed(app, monkeypatch, ann, bob):
    lost = ConnectionFailure("connection closed before the commit was acknowledged")
    lost._error_labels = {"UnknownTransactionCommitResult"}
    with app.app_context():
        in_a_transaction(app, monkeypatch, after_commit=lost)
        transfer = points.send_kudos(ann, bob, 30)
        monkeypatch.undo()
        assert Transfer.objects.get().pk == transfer.pk
        assert (balance(app, ann), balance(app, bob)) == (70, 130)
        assert AuditLog.objects(action="transfer").count() == 1
    assert_ledger_holds(app)


def test_a_transaction_that_did_not_commit_is_reported_and_moves_nothing(
        app, monkeypatch, ann, bob):
    def refuse(callback, **options):
        raise ConnectionFailure("no primary")

    with app.app_context():
        session = in_a_transaction(app, monkeypatch)
        monkeypatch.setattr(session, "with_transaction", refuse)
        with pytest.raises(ConnectionFailure):
            points.send_kudos(ann, bob, 30)
        monkeypatch.undo()
        assert not Transfer.objects.count() and not AuditLog.objects(action="transfer").count()
        assert (balance(app, ann), balance(app, bob)) == (100, 100)
