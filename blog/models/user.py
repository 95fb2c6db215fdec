"""Users: accounts, roles, profiles and kudos points."""
import re
import secrets
import unicodedata

import bcrypt
from bson import ObjectId
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_login import UserMixin
from mongoengine import (
    EmbeddedDocument, EmbeddedDocumentField, IntField, ListField, ObjectIdField, ReferenceField,
    StringField, ValidationError,
)

from blog.models.base import (
    PAGES, STATISTICS, TimestampedDocument, month_name, user_group, utcnow,
)
from blog.text.normalise import without_control_characters
from blog.text.passwords import guessable

ROLES = ("user", "moderator", "admin")
STARTING_POINTS = 100
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_BYTES = 72
MAX_EMAIL_LENGTH = 254
DEFAULT_BCRYPT_ROUNDS = 12
WEBSITE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


def password_problem(password):
    """Why a password cannot be used, or None."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return (f"Use at most {MAX_PASSWORD_BYTES} bytes (accented letters and symbols "
                "count as two to four).")
    if without_control_characters(password) != password:
        return "A password cannot hold control characters (a tab, a line break, NUL …)."
    return guessable(password)


def _rounds():
    if has_app_context():
        return current_app.config.get("BCRYPT_ROUNDS", DEFAULT_BCRYPT_ROUNDS)
    return DEFAULT_BCRYPT_ROUNDS


# A real hash, checked against when the email is unknown, so that a login
# takes as long whether or not the account exists.
_DUMMY_HASH = bcrypt.hashpw(b"no such account", bcrypt.gensalt(DEFAULT_BCRYPT_ROUNDS))


def check_password_hash(password_hash, password):
    encoded = password.encode("utf-8") if isinstance(password, str) else b""
    # bcrypt reads a password up to its first NUL: "\x00" would match "\x00\x00\x00\x00…".
    if not encoded or len(encoded) > MAX_PASSWORD_BYTES or b"\x00" in encoded:
        bcrypt.checkpw(b"not a password", _DUMMY_HASH)
        return False
    return bcrypt.checkpw(encoded, (password_hash or _DUMMY_HASH.decode()).encode())


def normalise_email(email):
    """An email address as stored and looked up: trimmed, lowercased and in Unicode's
    composed form (NFC), so that "zoe\u0308@…" and "zo\u00eb@…" are one account."""
    if not isinstance(email, str):
        return email
    return unicodedata.normalize("NFC", email.strip().lower())


def email_problem(email):
    """Why ``email`` (normalised) cannot be an account's address, or None."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return "Give a valid email address, like name@example.com."
    return None


def name_problem(name):
    """Why a display name cannot be used, or None."""
    return None if " ".join(name.split()) else "Give a name to show on your posts."


class Profile(EmbeddedDocument):
    bio = StringField(max_length=500, default="", multiline=True)
    age = IntField(min_value=13, max_value=120, null=True)
    website = StringField(max_length=200, default="")

    def clean(self):
        if self.website and not WEBSITE.match(self.website):
            raise ValidationError(errors={"website": "Give a web address starting with "
                                                     "http:// or https://."})


class User(UserMixin, TimestampedDocument):
    email = StringField(required=True, max_length=MAX_EMAIL_LENGTH, unique=True)
    name = StringField(required=True, max_length=80)
    password_hash = StringField(required=True)
    role = StringField(choices=ROLES, default="user")
    profile = EmbeddedDocumentField(Profile, default=Profile)
    points = IntField(min_value=0, default=STARTING_POINTS)
    # Transfers that have moved this user's points but are not finished (blog.services.points).
    pending_transfers = ListField(ObjectIdField())
    session_token = StringField(required=True, default=lambda: secrets.token_urlsafe(16))
    # A square picture (blog.models.image); without one, pages draw the initials.
    avatar = ReferenceField("Image", null=True)

    meta = {
        "collection": "user",
        # The admin's list of users, newest first; the admins, in the default order.
        "indexes": [("-created_at", "-id"), ("role", "-created_at")],
        "ordering": ["-created_at"],
    }

    audited = True

    def __str__(self):
        return self.email

    def audit_label(self):
        return self.email or ""

    def stale_groups(self, created=False):
        if created:
            # A new user is on no page yet, and has no cached lookup.
            return (STATISTICS,)
        # Names show in bylines on every kind of cached page.
        return (user_group(self.pk), PAGES, STATISTICS)

    def counted(self, now=None):
        """One user of their role, signed up in their month; their age, when given,
        towards their role's average."""
        amounts = {("users", self.role): 1}
        if self.created_at is not None:
            amounts[("signups", month_name(self.created_at))] = 1
        age = self.profile.age if self.profile else None
        if isinstance(age, int):
            amounts[("age-sum", self.role)] = age
            amounts[("aged", self.role)] = 1
        return amounts

    def clean(self):
        errors = {}
        if isinstance(self.email, str):
            self.email = normalise_email(self.email)
            problem = email_problem(self.email)
            if problem:
                errors["email"] = problem
        if isinstance(self.name, str):
            problem = name_problem(self.name)
            if problem:
                errors["name"] = problem
            self.name = " ".join(self.name.split())
        if errors:
            raise ValidationError("Invalid user", errors=errors)
        self.stamp(utcnow())

    def set_password(self, password):
        problem = password_problem(password)
        if problem:
            raise ValidationError(problem, errors={"password": problem})
        self.password_hash = bcrypt.hashpw(
            password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode()
        self.session_token = secrets.token_urlsafe(16)

    def check_password(self, password):
        return check_password_hash(self.password_hash, password)

    def end_sessions(self):
        """Invalidate every session and remember cookie of this user."""
        self.session_token = secrets.token_urlsafe(16)

    @property
    def avatar_id(self):
        """The avatar image's id, without loading the image."""
        value = self._data.get("avatar")
        return getattr(value, "pk", None) or getattr(value, "id", None) or value

    @property
    def initials(self):
        """Up to two letters for the drawn avatar: the first of the first and last names."""
        words = [word for word in (self.name or "").split() if word[:1].isalnum()]
        if not words:
            return "?"
        letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
        return letters.upper()

    def get_id(self):
        return f"{self.pk}:{self.session_token}"

    @property
    def is_admin(self):
        return self.role == "admin"

    @property
    def is_moderator(self):
        return self.role in ("moderator", "admin")

    @classmethod
    def by_email(cls, email):
        if not isinstance(email, str):
            return None
        return cls.objects(email=normalise_email(email)).first()

    @classmethod
    def by_id(cls, user_id):
        """The user with this id, or None (also for text that is not an id)."""
        return cls.objects(pk=user_id).first() if ObjectId.is_valid(user_id) else None

    @classmethod
    def by_session_id(cls, session_id, find=None):
        """The user a Flask-Login id names, if its session token still holds.

        ``find(user_id)`` looks the user up (from a cache, say); by default the
        database is asked.
        """
        if not isinstance(session_id, str) or ":" not in session_id:
            return None
        user_id, token = session_id.split(":", 1)
        if not ObjectId.is_valid(user_id):
            return None
        user = find(user_id) if find else cls.objects(pk=user_id).first()
        if user is None or not secrets.compare_digest(user.session_token, token):
            return None
        return user
