"""Registration, login and logout."""
import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from mongoengine import NotUniqueError, ValidationError
from werkzeug.exceptions import TooManyRequests

from blog.auth import attempts
from blog.auth.forms import LoginForm, RegisterForm
from blog.extensions import limiter
from blog.models import User
from blog.models.user import MAX_EMAIL_LENGTH, check_password_hash, normalise_email
from blog.services import audit
from blog.services.sessions import end_session, fresh_user, start_session
from blog.web.forms import apply_model_errors
from blog.web.security import safe_next_url

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _login_account():
    """The account a login form names, as the failure count knows it."""
    email = request.form.get("email", "")
    return normalise_email(email)[:MAX_EMAIL_LENGTH]


def _typed_email(text):
    """What was typed as the email, for the audit history, unless it does not look
    like one: people sometimes type their password into the email box."""
    email = normalise_email(text)
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email or "") and len(email) <= 254:
        return email
    return "(not an email address)"


def _home():
    return url_for("posts.index")


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(_home())
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(email=form.email.data, name=form.name.data)
        try:
            user.set_password(form.password.data)
            user.save()
        except NotUniqueError:
            form.email.errors.append("That email is already registered. Log in instead?")
        except ValidationError as error:
            apply_model_errors(form, error)
        else:
            start_session(user)
            flash(f"Welcome, {user.name}! Your account is ready.", "success")
            return redirect(_home())
    return render_template("auth/register.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"])
def login():
    form = LoginForm()
    next_url = safe_next_url(request.args.get("next"))
    if request.method == "POST":
        try:
            attempts.claim(_login_account(), get_remote_address())
        except attempts.TooManyFailures as error:
            raise TooManyRequests(description=error.message, retry_after=error.retry_after)
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        password_ok = check_password_hash(user.password_hash if user else None,
                                          form.password.data)
        if user is not None and password_ok:
            attempts.succeeded(_login_account(), get_remote_address())
            start_session(user, remember=form.remember.data)
            audit.record("login", user)
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(next_url or _home())
        audit.record("login_failed", user, collection="user",
                     label=_typed_email(form.email.data))
        form.form_errors.append("That email and password do not match an account.")
    elif request.method == "GET" and current_user.is_authenticated:
        return redirect(next_url or _home())
    return render_template("auth/login.html", form=form), 401 if form.errors or form.form_errors else 200


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    user = fresh_user()
    with audit.recorded_as("logout"):
        user.end_sessions()
        user.save()
    end_session()
    flash("You have logged out.", "info")
    return redirect(_home())
