"""Who is logged in: Flask-Login's user loader, and starting a session.

The user behind a logged-in request is cached until the user is saved or
deleted. The password hash stays out of the cache, so that user cannot be
saved: code that changes the current user saves a copy from ``fresh_user()``.
"""
from flask import current_app, request, session
from flask_login import current_user, login_user, logout_user
from flask_login.config import COOKIE_NAME

from blog.cache.values import cached
from blog.models import User
from blog.models.base import user_group


def load_user(session_id):
    """Flask-Login's user loader: the user a session names, while its token holds."""
    return User.by_session_id(session_id, find=_cached_user)


def _cached_user(user_id):
    fields = cached(f"user:{user_id}",
                    lambda: User.objects(pk=user_id).exclude("password_hash").as_pymongo().first(),
                    group=user_group(user_id))
    return User._from_son(fields) if fields else None


def fresh_user():
    """The current user read from the database, to change and save."""
    return User.objects.get(pk=current_user.pk)


def start_session(user, remember=False):
    """A fresh session for ``user``: nothing from before the login is kept."""
    session.clear()
    login_user(user, remember=remember)


def end_session():
    """Log out of this browser: nothing of the session is kept, and the remember cookie
    is deleted (``logout_user()`` marks it for deletion in the session, so the
    session is cleared first)."""
    session.clear()
    logout_user()


def continue_session(user):
    """Keep this browser logged in as ``user``, whose session token has just changed (which
    ended every session); a browser that was remembered stays remembered."""
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
    start_session(user, remember=remembered)
