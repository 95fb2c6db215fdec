"""Managing accounts: finding users, roles, passwords, addresses, and deleting an account.

The pages, the admin pages and the ``flask users`` commands all change
accounts through these functions, so each rule (the current password, the
last admin, a token that works once) holds wherever the change comes from.
Each change is a ``save()`` or ``delete()``, so the audit history and the
cache follow it.
"""
from flask import current_app
from mongoengine import NotUniqueError, ValidationError
from mongoengine.errors import SaveConditionError
from mongoengine.queryset.visitor import Q

from blog.models import Post, User
from blog.models.user import ROLES, email_problem, normalise_email
from blog.services import audit, mail, tokens

MAX_SEARCH = 100


class LastAdminError(RuntimeError):
    """Demoting or deleting this user would leave the blog with no admin."""


class WrongPassword(ValueError):
    """The password given is not the account's."""


class AddressTaken(ValueError):
    """Another account uses that email address."""


def find_users(search=""):
    """Users whose email or name contains ``search`` as literal text, ignoring case; newest first.

    ``icontains`` escapes its argument, so ``.*`` or ``(a+)+$`` are only characters.
    """
    users = User.objects.order_by("-created_at", "-id")
    if search:
        users = users(Q(email__icontains=search) | Q(name__icontains=search))
    return users


def post_counts(users):
    """``{user id: number of posts they wrote}`` for ``users``, in one query."""
    ids = [user.pk for user in users]
    rows = Post.objects(author__in=ids).aggregate([
        {"$group": {"_id": "$author", "count": {"$sum": 1}}},
    ])
    counts = {row["_id"]: row["count"] for row in rows}
    return {user_id: counts.get(user_id, 0) for user_id in ids}


def change_role(user, role):
    """Give ``user`` the role ``role``, audited as a role change.

    Returns whether anything changed. Raises ValueError for an unknown role and
    LastAdminError rather than leave no admin, also when two admins demote
    each other at the same moment.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    previous = user.role
    if role == previous:
        return False
    if previous == "admin" and not User.objects(role="admin", pk__ne=user.pk).first():
        raise LastAdminError(user.email)
    _save_role(user, role)
    if previous == "admin" and not User.objects(role="admin").first():
        # Another admin was demoted between the check and the save: undo ours.
        _save_role(user, previous)
        raise LastAdminError(user.email)
    return True


def _save_role(user, role):
    user.role = role
    with audit.recorded_as("role_change"):
        user.save()


def check_password(user, password):
    """Raise WrongPassword unless ``password`` is ``user``'s."""
    if not user.check_password(password):
        raise WrongPassword()


def set_password(user, password):
    """Give ``user`` a new password (ValidationError when it cannot be one); every session
    of the account ends."""
    user.set_password(password)
    user.save()


def change_password(user, current_password, new_password):
    check_password(user, current_password)
    set_password(user, new_password)


def request_password_reset(email, links):
    """Mail a reset link to ``email`` if an account uses it, and tell nobody whether one does.

    The connection to the mail server is opened here, for every address alike,
    so a server that is down raises MailUnavailable at once whoever asks. The
    account is looked up and the message made on a mail thread once the answer
    is out, for every address alike, and sent only where an account exists: the
    answer takes as long either way (bench/reset_bench.py measures it).
    """
    connection = mail.connect()
    mail.in_background(_mail_reset_link, connection, email, links)


def _mail_reset_link(connection, email, links):
    with connection:
        user = User.by_email(email)
        # The message is made for an address without an account too, and only not sent,
        # so that a request served meanwhile is slowed as much either way.
        recipient = user or User(email=normalise_email(email), name="", password_hash="")
        link = links("accounts.reset_password", token=tokens.reset_token(recipient))
        message = mail.compose(
            recipient.email, "Reset your Inkwell password", "reset_password", user=recipient,
            link=link, links=links, minutes=current_app.config["RESET_TOKEN_MINUTES"])
        message.as_bytes()
        if user is not None:
            connection.send(message)


def reset_password(token, new_password):
    """Set the password of the account a reset link is for; returns the user.

    Raises InvalidToken (also when the link was used a moment ago) and
    ValidationError for a password that cannot be one.
    """
    user = tokens.user_to_reset(token)
    used_hash = user.password_hash
    user.set_password(new_password)
    try:
        with audit.acting_for(user):
            # Only if no other request used the same link meanwhile.
            user.save(save_condition={"password_hash": used_hash})
    except SaveConditionError:
        raise tokens.InvalidToken() from None
    return user


def request_email_change(user, current_password, new_email, links):
    """Mail a link to ``new_email`` that makes it ``user``'s address; returns the address.

    Raises WrongPassword, ValidationError (an address that is not one, or the
    current one), AddressTaken and MailUnavailable.
    """
    check_password(user, current_password)
    new_email = normalise_email(new_email)
    problem = email_problem(new_email)
    if not problem and new_email == user.email:
        problem = "That is your address already."
    if problem:
        raise ValidationError(problem, errors={"email": problem})
    if User.objects(email=new_email).first():
        raise AddressTaken()
    link = links("accounts.confirm_email", token=tokens.email_token(user, new_email))
    mail.send(mail.compose(new_email, "Confirm your new address on Inkwell", "confirm_email",
                           user=user, link=link, links=links,
                           hours=current_app.config["EMAIL_TOKEN_HOURS"]))
    return new_email


def confirm_email_change(token, links):
    """Change the address a confirmation link is for, and tell the old address; returns the user.

    Raises InvalidToken (or ExpiredToken) and AddressTaken.
    """
    user, new_email = tokens.email_change(token)
    old_email = user.email
    if User.objects(email=new_email, pk__ne=user.pk).first():
        raise AddressTaken()
    user.email = new_email
    try:
        with audit.acting_for(user):
            user.save(save_condition={"email": old_email})
    except SaveConditionError:
        raise tokens.InvalidToken() from None
    except NotUniqueError:
        raise AddressTaken() from None
    mail.send_later(mail.compose(old_email, "Your Inkwell address has changed", "email_changed",
                                 user=user, old_email=old_email, links=links))
    return user


def delete_account(user):
    """Delete ``user`` with their posts and everything else that names them as its owner.

    Their kudos transfers stay in the ledger (other balances depend on them)
    and the audit history keeps its entries. Raises LastAdminError rather than
    leave the blog with no admin.
    """
    if user.role == "admin":
        # Demoted first, so that two admins deleting themselves at once cannot both
        # see the other as the admin who stays.
        User.objects(pk=user.pk).update_one(set__role="user")
        if not User.objects(role="admin").first():
            User.objects(pk=user.pk).update_one(set__role="admin")
            raise LastAdminError(user.email)
    user.delete()


def is_last_admin(user):
    return user.role == "admin" and not User.objects(role="admin", pk__ne=user.pk).first()
