"""Kudos points: sending them, granting them, and finishing transfers cut short.

Every movement is a Transfer, a guarded debit of the sender (only while the
sender has ``points >= amount``, so no balance goes below zero) and a credit
of the recipient. Points an admin grants come from no one: they have no debit.

On a server with transactions (a replica set) the writes commit together in
``with_transaction``, which retries transient errors. Elsewhere each step is
one atomic update of one document that leaves a trace, so that ``recover``
can tell how far a transfer got when the process died half way:

1. the Transfer is inserted, ``pending``;
2. the debit takes the points from the sender and adds the transfer to the
   sender's ``pending_transfers``, only if the sender has enough points and
   the transfer is not there yet;
3. the credit does the same for the recipient;
4. the Transfer becomes ``applied``;
5. the transfer leaves both users' lists, the audit entry is written, and the
   Transfer becomes ``done``.

``recover`` finishes a transfer whose points left the sender (or reached the
recipient) and cancels one where nothing moved. Each step checks whether it
happened already, so recovering twice, or after a transfer that finished,
changes nothing.
"""
import logging
from collections import Counter
from datetime import timedelta

from bson import ObjectId
from flask import current_app
from mongoengine.connection import get_db
from pymongo import ReadPreference, ReturnDocument
from pymongo.errors import PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from blog.cache.values import forget
from blog.models import AuditLog, Transfer, User
from blog.models.base import user_group, utcnow
from blog.services import audit
from blog.store import connection

log = logging.getLogger("blog.points")

MAX_KUDOS = 100
MAX_GRANT = 10_000
FINISHED, CANCELLED = "finished", "cancelled"
# How the ledger and its audit entries name a sender or recipient whose account was deleted.
DELETED_ACCOUNT = "a deleted account"


class TransferRefused(ValueError):
    """Nothing moved; the message says why, and ``status`` is the HTTP status to answer."""
    status = 400


class NotEnoughPoints(TransferRefused):
    status = 409


class NoSuchUser(TransferRefused):
    status = 404


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


def _move(sender_id, recipient_id, amount):
    if _transactions_supported():
        transfer, balances = _move_in_transaction(sender_id, recipient_id, amount)
    else:
        transfer, balances = _move_in_steps(sender_id, recipient_id, amount)
    _finish(transfer, balances)
    return transfer


def _transactions_supported():
    known = current_app.extensions.get("supports_transactions")
    if known is None:
        known = current_app.extensions["supports_transactions"] = connection.supports_transactions()
    return known


def _new_transfer(sender_id, recipient_id, amount, state):
    transfer = Transfer(id=ObjectId(), sender=sender_id, recipient=recipient_id, amount=amount,
                        state=state)
    transfer.validate()
    return transfer


def _move_in_transaction(sender_id, recipient_id, amount):
    """All three writes in one transaction; ``with_transaction`` may run ``steps`` again."""
    def steps(session):
        transfer = _new_transfer(sender_id, recipient_id, amount, "applied")
        _transfers().insert_one(transfer.to_mongo(), session=session)
        sender_before = None
        if sender_id is not None:
            debited = _users().find_one_and_update(
                {"_id": sender_id, "points": {"$gte": amount}},
                {"$inc": {"points": -amount}}, projection={"points": True}, session=session)
            if debited is None:
                # Raising aborts the transaction; with_transaction passes the error on.
                raise _not_enough(sender_id, amount, session)
            sender_before = debited["points"]
        credited = _users().find_one_and_update(
            {"_id": recipient_id}, {"$inc": {"points": amount}}, projection={"points": True},
            session=session)
        if credited is None:
            raise NoSuchUser("That user no longer exists.")
        return transfer, (sender_before, credited["points"])

    with get_db().client.start_session() as session:
        return session.with_transaction(
            steps, read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"), read_preference=ReadPreference.PRIMARY)


def _move_in_steps(sender_id, recipient_id, amount):
    transfer = _new_transfer(sender_id, recipient_id, amount, "pending")
    transfer.save(force_insert=True)
    sender_before = None
    if sender_id is not None:
        sender_before = _debit(transfer)
        if sender_before is None:
            _set_state(transfer.pk, "pending", "cancelled")
            raise _not_enough(sender_id, amount)
    recipient_before = _credit(transfer)
    if recipient_before is None:
        _refund(transfer)
        raise NoSuchUser("That user no longer exists.")
    _set_state(transfer.pk, "pending", "applied")
    return transfer, (sender_before, recipient_before)


def _not_enough(sender_id, amount, session=None):
    found = _users().find_one({"_id": sender_id}, {"points": True}, session=session)
    have = found["points"] if found else 0
    return NotEnoughPoints(f"You have {have} point{'' if have == 1 else 's'}: "
                           f"you cannot send {amount}.")


def _ids(transfer):
    stored = transfer.to_mongo()
    return stored.get("sender"), stored["recipient"]


def _debit(transfer):
    """The sender's balance before the debit, or None when it was not made now."""
    sender_id, _ = _ids(transfer)
    before = _users().find_one_and_update(
        {"_id": sender_id, "points": {"$gte": transfer.amount},
         "pending_transfers": {"$ne": transfer.pk}},
        {"$inc": {"points": -transfer.amount}, "$push": {"pending_transfers": transfer.pk}},
        projection={"points": True}, return_document=ReturnDocument.BEFORE)
    return before["points"] if before else None


def _credit(transfer):
    """The recipient's balance before the credit, or None when it was not made now."""
    _, recipient_id = _ids(transfer)
    before = _users().find_one_and_update(
        {"_id": recipient_id, "pending_transfers": {"$ne": transfer.pk}},
        {"$inc": {"points": transfer.amount}, "$push": {"pending_transfers": transfer.pk}},
        projection={"points": True}, return_document=ReturnDocument.BEFORE)
    return before["points"] if before else None


def _refund(transfer):
    """Give back a debit whose credit cannot be made (the recipient was deleted)."""
    sender_id, _ = _ids(transfer)
    if sender_id is not None:
        _users().update_one({"_id": sender_id, "pending_transfers": transfer.pk},
                            {"$inc": {"points": transfer.amount},
                             "$pull": {"pending_transfers": transfer.pk}})
        forget(user_group(sender_id))
    _set_state(transfer.pk, "pending", "cancelled")


def _holds(user_id, transfer):
    return user_id is not None and _users().count_documents(
        {"_id": user_id, "pending_transfers": transfer.pk}, limit=1) > 0


def _set_state(transfer_id, current, new):
    """Move the Transfer from state ``current`` to ``new``; False if it was not in ``current``."""
    result = _transfers().update_one({"_id": transfer_id, "state": current},
                                     {"$set": {"state": new, "updated_at": utcnow()}})
    return result.modified_count == 1


def _finish(transfer, balances=None, recovering=False):
    """Clear the traces of an applied transfer, audit it and mark it done.

    Recovery may find a transfer audited already: it writes no second entry.
    """
    sender_id, recipient_id = _ids(transfer)
    _users().update_many({"_id": {"$in": [sender_id, recipient_id]}},
                         {"$pull": {"pending_transfers": transfer.pk}})
    forget(*(user_group(user_id) for user_id in (sender_id, recipient_id) if user_id))
    if not (recovering and AuditLog.objects(action="transfer", collection="user",
                                            document_id=recipient_id,
                                            changes__transfer=str(transfer.pk)).first()):
        _record(transfer, sender_id, recipient_id, balances)
    _set_state(transfer.pk, "applied", "done")
    transfer.state = "done"


def _record(transfer, sender_id, recipient_id, balances):
    emails = dict(User.objects(pk__in=[sender_id, recipient_id]).scalar("id", "email"))
    recipient = emails.get(recipient_id, DELETED_ACCOUNT)
    if sender_id is None:
        label = f"{transfer.amount} points granted to {recipient}"
    else:
        sender = emails.get(sender_id, DELETED_ACCOUNT)
        label = f"{transfer.amount} points from {sender} to {recipient}"
    changes = {"transfer": str(transfer.pk), "amount": transfer.amount}
    if balances is not None:
        sender_before, recipient_before = balances
        changes["points"] = [recipient_before, recipient_before + transfer.amount]
        if sender_before is not None:
            changes["sender.points"] = [sender_before, sender_before - transfer.amount]
    audit.record("transfer", collection="user", document_id=recipient_id, label=label,
                 changes=changes)


def recover(older_than=0):
    """Finish or cancel every transfer left half done at least ``older_than`` seconds ago.

    Returns how many were finished and cancelled. ``older_than`` leaves alone
    the transfers other processes are making at this moment.
    """
    cutoff = utcnow() - timedelta(seconds=older_than)
    outcomes = Counter({FINISHED: 0, CANCELLED: 0})
    stuck = Transfer.objects(state__in=["pending", "applied"], created_at__lte=cutoff)
    for transfer in stuck.order_by("created_at"):
        outcomes[_recover(transfer)] += 1
    return outcomes


def _recover(transfer):
    sender_id, recipient_id = _ids(transfer)
    if transfer.state == "pending":
        if not _holds(recipient_id, transfer):
            if not _holds(sender_id, transfer):
                _set_state(transfer.pk, "pending", "cancelled")
                return CANCELLED
            if _credit(transfer) is None and not _holds(recipient_id, transfer):
                _refund(transfer)
                return CANCELLED
        _set_state(transfer.pk, "pending", "applied")
    _finish(transfer, recovering=True)
    return FINISHED


def recover_at_start(app):
    """Recover once before the app serves (gunicorn.conf.py calls this, in one process).

    The embedded store has one process, so everything unfinished at its start
    was cut short; a server may have other processes in the middle of a
    transfer, so only those older than ``POINTS_RECOVERY_AGE`` are touched.
    """
    older_than = 0
    if app.extensions["database_mode"] == connection.SERVER:
        older_than = app.config["POINTS_RECOVERY_AGE"]
    with app.app_context():
        try:
            outcomes = recover(older_than)
        except PyMongoError as error:
            log.warning("could not finish half-done transfers at start (run `flask points "
                        "recover` later): %s", error)
            return
    if sum(outcomes.values()):
        log.warning("transfers left half done: %d finished, %d cancelled",
                    outcomes[FINISHED], outcomes[CANCELLED])
