"""The tokens in links sent by mail: a password reset, an email change.

Each is signed with ``SECRET_KEY`` (itsdangerous, as Flask signs its session
cookie), expires, and carries a digest of the state it changes: the password
hash and address for a reset, the address for a change. Once that state
changes the token no longer matches it, so each works once. The digest is
keyed too, so the link says nothing about the password hash.
"""
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from blog.models import User

RESET, EMAIL_CHANGE = "password-reset", "email-change"
# Longer than any token made here; longer text is not read at all.
MAX_TOKEN = 400


class InvalidToken(ValueError):
    """The link is not one we made, or it was used already; the message says which to the person."""


class ExpiredToken(InvalidToken):
    pass


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"inkwell {purpose}")


def _digest(*values):
    key = current_app.config["SECRET_KEY"]
    key = key.encode() if isinstance(key, str) else key
    text = "\0".join(value or "" for value in values).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:32]


def _load(purpose, token, max_age):
    if not isinstance(token, str) or len(token) > MAX_TOKEN:
        raise InvalidToken()
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ExpiredToken() from None
    except BadSignature:
        raise InvalidToken() from None
    if not isinstance(data, dict) or not all(isinstance(value, str) for value in data.values()):
        raise InvalidToken()
    user = User.by_id(data.get("user"))
    if user is None:
        raise InvalidToken()
    return user, data


def _matches(data, *state):
    return hmac.compare_digest(data.get("state", ""), _digest(*state))


def reset_token(user):
    return _serializer(RESET).dumps({"user": str(user.pk),
                                     "state": _digest(user.password_hash, user.email)})


def user_to_reset(token):
    """The user a reset link is for; raises InvalidToken (or ExpiredToken)."""
    user, data = _load(RESET, token, current_app.config["RESET_TOKEN_MINUTES"] * 60)
    if not _matches(data, user.password_hash, user.email):
        raise InvalidToken()
    return user


def email_token(user, new_email):
    return _serializer(EMAIL_CHANGE).dumps({"user": str(user.pk), "email": new_email,
                                            "state": _digest(user.email)})


def email_change(token):
    """``(user, new address)`` from a confirmation link; raises InvalidToken (or ExpiredToken)."""
    user, data = _load(EMAIL_CHANGE, token, current_app.config["EMAIL_TOKEN_HOURS"] * 3600)
    if not _matches(data, user.email) or not data.get("email"):
        raise InvalidToken()
    return user, data["email"]
