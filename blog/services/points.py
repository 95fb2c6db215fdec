"""Kudos points: sending them, granting them, and finishing transfers cut short.

Every movement is a Transfer, a guarded debit of the sender (only while the
sender has ``points >= amount``, so no balance goes below zero) and a credit
of the recipient. Points an admin grants come from no one: they have no debit.

On a server with transactions (a replica set) the Transfer, both balances
and the audit entry commit together in ``with_transaction``, which retries
transient errors; what follows the commit (clearing cached pages) is logged
when it fails, never raised, since the points have moved. Elsewhere each step
is one atomic update of one document that leaves a trace, so that
``recover`` can tell how far a transfer got when the process died half way:

1. the Transfer is inserted, ``pending``, leased to the process sending it;
2. the debit takes the points from the sender and adds the transfer to the
   sender's ``pending_transfers``, only if the sender has enough points and
   the transfer is not there yet;
3. the credit does the same for the recipient;
4. the Transfer becomes ``applied``;
5. the audit entry is written (a unique index allows one per transfer) and
   the Transfer becomes ``audited``;
6. the transfer leaves both users' lists and becomes ``done``.

A credit is refused while the recipient's list holds the transfer, and the
lists are cleared only once the transfer is ``audited``, when nothing credits
it any more: so a transfer is credited once, whoever finishes it.

Only the holder of a transfer's lease moves it on: its ``owner`` and
``lease_until`` say who and until when. The process sending it holds it from
the start; ``recover`` takes over, atomically, only a transfer whose lease
ran out, and every change of state names the owner, so a process that lost
its lease changes nothing. A holder stops writing half way through its lease
(``pymongo.timeout`` on a server, and a check before each write), which
leaves the other half for clocks that differ between machines.
"""
import logging
import math
import uuid
from collections import Counter
from datetime import timedelta

import pymongo
from bson import ObjectId
from flask import current_app
from mongoengine import NotUniqueError
from mongoengine.connection import get_db
from pymongo import ReadPreference, ReturnDocument
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from blog.cache.values import forget
from blog.models import AuditLog, Transfer, User
from blog.models.base import user_group, utcnow
from blog.models.transfer import UNFINISHED
from blog.services import audit
from blog.store import connection

log = logging.getLogger("blog.points")

MAX_KUDOS = 100
MAX_GRANT = 10_000
FINISHED, CANCELLED = "finished", "cancelled"
# How the ledger and its audit entries name a sender or recipient whose account was deleted.
DELETED_ACCOUNT = "a deleted account"
# The most one transfer, or the recovery of one, may take (less when the lease is short).
TRANSFER_SECONDS = 10


class TransferRefused(ValueError):
    """The transfer was not made now; the message says why, and ``status`` is the HTTP
    status to answer."""
    status = 400


class NotEnoughPoints(TransferRefused):
    status = 409


class NoSuchUser(TransferRefused):
    status = 404


class TransferDelayed(TransferRefused):
    """The database took too long: the transfer will be finished or cancelled by recovery,
    so sending again at once could send twice."""
    status = 503


class LeaseLost(RuntimeError):
    """The process's lease on a transfer ran out: another process may be moving it on."""


class Lease:
    """A process's hold on one transfer: until ``until`` no other process takes it over,
    and the holder itself writes only until ``deadline``, half way there."""

    def __init__(self, seconds):
        now = utcnow()
        self.owner = uuid.uuid4().hex
        self.until_seconds = seconds
        self.until = now + timedelta(seconds=seconds)
        self.budget = min(TRANSFER_SECONDS, seconds / 2)
        self.deadline = now + timedelta(seconds=self.budget)

    def check(self):
        if utcnow() >= self.deadline:
            raise LeaseLost(f"the lease of {self.owner} ran out")


def send_kudos(sender, recipient, amount):
    """Move ``amount`` points from ``sender`` to ``recipient``; returns the Transfer."""
    if sender.pk == recipient.pk:
        raise TransferRefused("You cannot send points to yourself.")
    _check_amount(amount, MAX_KUDOS, "Send")
    return _move(sender.pk, recipient.pk, amount)


def grant(recipient, amount):
    """Give ``recipient`` ``amount`` new points (an admin's grant); returns the Transfer."""
    _check_amount(amount, MAX_GRANT, "Grant")
    return _move(None, recipient.pk, amount)


def _check_amount(amount, maximum, verb):
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= maximum:
        raise TransferRefused(f"{verb} from 1 to {maximum} points.")


def _users():
    return User._get_collection()


def _transfers():
    return Transfer._get_collection()


def _audit_log():
    return AuditLog._get_collection()


def _move(sender_id, recipient_id, amount):
    lease = Lease(current_app.config["POINTS_RECOVERY_AGE"])
    try:
        if _transactions_supported():
            transfer = _move_in_transaction(sender_id, recipient_id, amount, lease)
        else:
            with pymongo.timeout(lease.budget):
                transfer = _move_in_steps(sender_id, recipient_id, amount, lease)
    except (PyMongoError, LeaseLost) as error:
        if isinstance(error, PyMongoError) and not error.timeout:
            raise
        minutes = math.ceil(lease.until_seconds / 60)
        raise TransferDelayed(
            f"The database is slow to answer: the transfer will be made or cancelled within "
            f"{minutes} minute{'' if minutes == 1 else 's'}. Check the balance before sending "
            f"again.") from error
    _forget_balances(transfer)
    return transfer


def _transactions_supported():
    known = current_app.extensions.get("supports_transactions")
    if known is None:
        known = current_app.extensions["supports_transactions"] = connection.supports_transactions()
    return known


def _new_transfer(sender_id, recipient_id, amount, state, lease=None):
    transfer = Transfer(id=ObjectId(), sender=sender_id, recipient=recipient_id, amount=amount,
                        state=state)
    if lease is not None:
        transfer.owner, transfer.lease_until = lease.owner, lease.until
    transfer.validate()
    return transfer


def _move_in_transaction(sender_id, recipient_id, amount, lease):
    """All four writes in one transaction; ``with_transaction`` may run ``steps`` again.

    The Transfer's id is chosen once, so that when the outcome of the commit is
    unknown (the connection dropped as it answered), looking for the Transfer
    tells whether the points moved.
    """
    transfer = _new_transfer(sender_id, recipient_id, amount, "done")

    def steps(session):
        _transfers().insert_one(transfer.to_mongo(), session=session)
        sender = None
        if sender_id is not None:
            sender = _users().find_one_and_update(
                {"_id": sender_id, "points": {"$gte": amount}}, {"$inc": {"points": -amount}},
                projection={"points": True, "email": True}, session=session)
            if sender is None:
                # Raising aborts the transaction; with_transaction passes the error on.
                raise _not_enough(sender_id, amount, session)
        recipient = _users().find_one_and_update(
            {"_id": recipient_id}, {"$inc": {"points": amount}},
            projection={"points": True, "email": True}, session=session)
        if recipient is None:
            raise NoSuchUser("That user no longer exists.")
        entry = _audit_entry(transfer, sender and sender["email"], recipient["email"],
                             (sender and sender["points"], recipient["points"]))
        _audit_log().insert_one(entry.to_mongo(), session=session)

    try:
        with pymongo.timeout(lease.budget), get_db().client.start_session() as session:
            session.with_transaction(
                steps, read_concern=ReadConcern("snapshot"),
                write_concern=WriteConcern("majority"), read_preference=ReadPreference.PRIMARY,
                max_commit_time_ms=int(lease.budget * 1000))
    except PyMongoError as error:
        if not _committed(transfer):
            raise
        log.warning("transfer %s committed although the commit reported: %s", transfer.pk, error)
    return transfer


def _committed(transfer):
    try:
        return _transfers().find_one({"_id": transfer.pk}, {"_id": True}) is not None
    except PyMongoError:
        return False


def _move_in_steps(sender_id, recipient_id, amount, lease):
    transfer = _new_transfer(sender_id, recipient_id, amount, "pending", lease)
    transfer.save(force_insert=True)
    sender_before = None
    if sender_id is not None:
        sender_before = _debit(transfer, lease)
        if sender_before is None:
            _set_state(transfer, "pending", "cancelled", lease)
            raise _not_enough(sender_id, amount)
    recipient_before = _credit(transfer, lease)
    if recipient_before is None:
        _refund(transfer, lease)
        raise NoSuchUser("That user no longer exists.")
    # The points have moved: the person is told so, whatever happens to the bookkeeping
    # that follows, which recovery finishes if it fails here.
    try:
        _advance(transfer, "pending", "applied", lease)
        _finish(transfer, lease, (sender_before, recipient_before))
    except (PyMongoError, LeaseLost) as error:
        log.warning("transfer %s moved its points but was left %s for recovery: %s",
                    transfer.pk, transfer.state, error)
    return transfer


def _not_enough(sender_id, amount, session=None):
    found = _users().find_one({"_id": sender_id}, {"points": True}, session=session)
    have = found["points"] if found else 0
    return NotEnoughPoints(f"You have {have} point{'' if have == 1 else 's'}: "
                           f"you cannot send {amount}.")


def _ids(transfer):
    stored = transfer.to_mongo()
    return stored.get("sender"), stored["recipient"]


def _debit(transfer, lease):
    """The sender's balance before the debit, or None when it was not made now."""
    sender_id, _ = _ids(transfer)
    lease.check()
    before = _users().find_one_and_update(
        {"_id": sender_id, "points": {"$gte": transfer.amount},
         "pending_transfers": {"$ne": transfer.pk}},
        {"$inc": {"points": -transfer.amount}, "$push": {"pending_transfers": transfer.pk}},
        projection={"points": True}, return_document=ReturnDocument.BEFORE)
    return before["points"] if before else None


def _credit(transfer, lease):
    """The recipient's balance before the credit, or None when it was not made now."""
    _, recipient_id = _ids(transfer)
    lease.check()
    before = _users().find_one_and_update(
        {"_id": recipient_id, "pending_transfers": {"$ne": transfer.pk}},
        {"$inc": {"points": transfer.amount}, "$push": {"pending_transfers": transfer.pk}},
        projection={"points": True}, return_document=ReturnDocument.BEFORE)
    return before["points"] if before else None


def _refund(transfer, lease):
    """Give back a debit whose credit cannot be made (the recipient was deleted)."""
    sender_id, _ = _ids(transfer)
    if sender_id is not None:
        lease.check()
        _users().update_one({"_id": sender_id, "pending_transfers": transfer.pk},
                            {"$inc": {"points": transfer.amount},
                             "$pull": {"pending_transfers": transfer.pk}})
        _forget_balances(transfer)
    _set_state(transfer, "pending", "cancelled", lease)


def _holds(user_id, transfer):
    return user_id is not None and _users().count_documents(
        {"_id": user_id, "pending_transfers": transfer.pk}, limit=1) > 0


def _set_state(transfer, current, new, lease):
    """Move the Transfer from state ``current`` to ``new`` while ``lease`` holds it; False if
    it was not in ``current`` or is held by another process now."""
    lease.check()
    result = _transfers().update_one(
        {"_id": transfer.pk, "state": current, "owner": lease.owner},
        {"$set": {"state": new, "updated_at": utcnow()}})
    if result.modified_count == 1:
        transfer.state = new
        return True
    return False


def _advance(transfer, current, new, lease):
    if not _set_state(transfer, current, new, lease):
        raise LeaseLost(f"transfer {transfer.pk} was no longer {current} and held by "
                        f"{lease.owner}")


def _finish(transfer, lease, balances=None):
    """Audit an applied transfer, clear its traces and mark it done."""
    if transfer.state == "applied":
        _record(transfer, balances)
        _advance(transfer, "applied", "audited", lease)
    sender_id, recipient_id = _ids(transfer)
    lease.check()
    _users().update_many({"_id": {"$in": [sender_id, recipient_id]}},
                         {"$pull": {"pending_transfers": transfer.pk}})
    _advance(transfer, "audited", "done", lease)


def _forget_balances(transfer):
    """Cached pages show balances; a failure here must not turn a sent transfer into an error."""
    try:
        forget(*(user_group(user_id) for user_id in _ids(transfer) if user_id))
    except Exception as error:  # the points moved: any failure is only logged
        log.warning("cached balances of transfer %s not cleared: %s", transfer.pk, error)


def _record(transfer, balances):
    """The transfer's audit entry, unless one was written already (the index allows one)."""
    sender_id, recipient_id = _ids(transfer)
    emails = dict(User.objects(pk__in=[sender_id, recipient_id]).scalar("id", "email"))
    entry = _audit_entry(transfer, sender_id and emails.get(sender_id, DELETED_ACCOUNT),
                         emails.get(recipient_id, DELETED_ACCOUNT), balances)
    try:
        entry.save(force_insert=True)
    except NotUniqueError:
        log.info("transfer %s was audited already", transfer.pk)


def _audit_entry(transfer, sender_email, recipient_email, balances):
    """``sender_email`` is None for a grant; ``balances`` are the sender's and recipient's
    before the transfer, when known."""
    if _ids(transfer)[0] is None:
        label = f"{transfer.amount} points granted to {recipient_email}"
    else:
        label = f"{transfer.amount} points from {sender_email} to {recipient_email}"
    changes = {"transfer": str(transfer.pk), "amount": transfer.amount}
    if balances is not None:
        sender_before, recipient_before = balances
        changes["points"] = [recipient_before, recipient_before + transfer.amount]
        if sender_before is not None:
            changes["sender.points"] = [sender_before, sender_before - transfer.amount]
    return audit.new_entry("transfer", collection="user", document_id=_ids(transfer)[1],
                           label=label, changes=changes)


def recover(older_than=None, sole_process=False):
    """Finish or cancel every transfer left unfinished at least ``older_than`` seconds ago
    (by default ``POINTS_RECOVERY_AGE``) whose lease ran out.

    ``sole_process`` says that no other process uses the database (the
    embedded store's lock), so every unfinished transfer was cut short, leased
    or not. Returns how many were finished and cancelled.
    """
    age = current_app.config["POINTS_RECOVERY_AGE"]
    if older_than is None:
        older_than = age
    cutoff = utcnow() - timedelta(seconds=older_than)
    outcomes = Counter({FINISHED: 0, CANCELLED: 0})
    stuck = Transfer.objects(state__in=UNFINISHED, created_at__lte=cutoff)
    for transfer_id in list(stuck.order_by("created_at").scalar("id")):
        lease = Lease(age)
        try:
            with pymongo.timeout(lease.budget):
                transfer = _claim(transfer_id, lease, sole_process)
                if transfer is not None:
                    outcomes[_recover(transfer, lease)] += 1
        except LeaseLost as lost:
            log.warning("recovery of transfer %s stopped: %s", transfer_id, lost)
        except PyMongoError as error:
            if not error.timeout:
                raise
            log.warning("recovery of transfer %s took too long; the next run takes it over: %s",
                        transfer_id, error)
    return outcomes


def _claim(transfer_id, lease, sole_process):
    """The Transfer, now held by ``lease``; None if it finished or another process holds it."""
    wanted = {"_id": transfer_id, "state": {"$in": list(UNFINISHED)}}
    if not sole_process:
        wanted["$or"] = [{"lease_until": None}, {"lease_until": {"$lte": utcnow()}}]
    claimed = _transfers().find_one_and_update(
        wanted, {"$set": {"owner": lease.owner, "lease_until": lease.until}},
        return_document=ReturnDocument.AFTER)
    return Transfer._from_son(claimed) if claimed else None


def _recover(transfer, lease):
    sender_id, recipient_id = _ids(transfer)
    if transfer.state == "pending":
        if not _holds(recipient_id, transfer):
            if not _holds(sender_id, transfer):
                _advance(transfer, "pending", "cancelled", lease)
                return CANCELLED
            if _credit(transfer, lease) is None and not _holds(recipient_id, transfer):
                _refund(transfer, lease)
                return CANCELLED
        _advance(transfer, "pending", "applied", lease)
    _finish(transfer, lease)
    _forget_balances(transfer)
    return FINISHED


def recover_at_start(app):
    """Recover once before the app serves (gunicorn.conf.py calls this, in one process).

    The embedded store has one process, so everything unfinished at its start
    was cut short; a server may have other processes in the middle of a
    transfer, so only those older than ``POINTS_RECOVERY_AGE`` whose lease ran
    out are touched.
    """
    sole_process = app.extensions["database_mode"] != connection.SERVER
    with app.app_context():
        try:
            outcomes = recover(0 if sole_process else None, sole_process=sole_process)
        except PyMongoError as error:
            log.warning("could not finish half-done transfers at start (run `flask points "
                        "recover` later): %s", error)
            return
    if sum(outcomes.values()):
        log.warning("transfers left half done: %d finished, %d cancelled",
                    outcomes[FINISHED], outcomes[CANCELLED])
