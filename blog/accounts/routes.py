"""Password reset and change, address change, export and deletion of one's own account."""
import contextlib
import json
import math

from flask import (
    Blueprint, Response, current_app, flash, redirect, render_template, request, session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from mongoengine import ValidationError
from werkzeug.exceptions import TooManyRequests

from blog.accounts.export import account_data
from blog.accounts.forms import (
    CONFIRM_WORD, DeleteAccountForm, EmailChangeForm, NewPasswordForm, PasswordChangeForm,
    ResetRequestForm,
)
from blog.auth import attempts
from blog.extensions import limiter
from blog.models.user import normalise_email
from blog.services import accounts, mail, tokens
from blog.services.sessions import continue_session, fresh_user
from blog.web.forms import apply_model_errors

bp = Blueprint("accounts", __name__)

MAIL_RETRY_SECONDS = 60
NO_STORE = {"Cache-Control": "no-store"}
# Wrong current passwords are counted per account, from whatever address.
PASSWORD_CHECKS = {"setting": "PASSWORD_CHECK_FAILURES", "namespace": "password-checks"}
ANY_ADDRESS = "any address"


def _reset_address_key():
    email = request.form.get("email", "")
    return f"reset-address:{normalise_email(email)[:254]}"


@contextlib.contextmanager
def _password_check(user):
    """Count a check of ``user``'s current password as a failure before it is made, so that
    simultaneous guesses check no more passwords than PASSWORD_CHECK_FAILURES allows (a 429
    after that); a right password starts the count again."""
    account = str(user.pk)
    try:
        attempts.claim(account, ANY_ADDRESS, **PASSWORD_CHECKS)
    except attempts.TooManyFailures as error:
        minutes = max(1, math.ceil(error.retry_after / 60))
        raise TooManyRequests(
            description=f"Too many wrong passwords for this account. Try again in {minutes} "
                        f"minute{'s' if minutes != 1 else ''}.",
            retry_after=error.retry_after) from None
    try:
        yield
    except accounts.WrongPassword:
        raise
    except Exception:
        # Raised after the password was found right (a new password that cannot be one).
        attempts.succeeded(account, ANY_ADDRESS, **PASSWORD_CHECKS)
        raise
    attempts.succeeded(account, ANY_ADDRESS, **PASSWORD_CHECKS)


def _refuse_password(field):
    field.errors = list(field.errors) + ["That is not your password."]


def _status(form):
    return 400 if form.errors or form.form_errors else 200


def _mail_down(form):
    form.form_errors.append("We could not reach our mail server, so nothing was sent. "
                            "Please try again in a few minutes.")
    return {"Retry-After": str(MAIL_RETRY_SECONDS)}


def _bad_link(error):
    """The page for a link that is not (or no longer) good, as a 400."""
    expired = isinstance(error, tokens.ExpiredToken)
    return render_template("accounts/bad_link.html", expired=expired), 400, NO_STORE


@bp.route("/auth/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_IP"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RESET_LIMIT_PER_ADDRESS"], methods=["POST"],
               key_func=_reset_address_key)
def request_reset():
    if mail.mode() == mail.OFF:
        return render_template("accounts/reset_request.html", form=None)
    form = ResetRequestForm()
    if form.validate_on_submit():
        try:
            accounts.request_password_reset(form.email.data, mail.Links())
        except mail.MailUnavailable:
            headers = _mail_down(form)
            return render_template("accounts/reset_request.html", form=form), 503, headers
        return render_template("accounts/reset_sent.html", email=normalise_email(form.email.data),
                               minutes=current_app.config["RESET_TOKEN_MINUTES"])
    return render_template("accounts/reset_request.html", form=form), _status(form)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    try:
        user = tokens.user_to_reset(token)
    except tokens.InvalidToken as error:
        return _bad_link(error)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except tokens.InvalidToken as error:
            return _bad_link(error)
        except ValidationError as error:
            apply_model_errors(form, error)
        else:
            if current_user.is_authenticated:
                session.clear()
                logout_user()
            flash("Your password is changed, and every session of your account has ended. "
                  "Log in with the new password.", "success")
            return redirect(url_for("auth.login"))
    return (render_template("accounts/reset_password.html", form=form, user=user),
            _status(form), NO_STORE)


@bp.route("/settings/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = fresh_user()
        try:
            with _password_check(user):
                accounts.change_password(user, form.current_password.data, form.password.data)
        except accounts.WrongPassword:
            _refuse_password(form.current_password)
        except ValidationError as error:
            apply_model_errors(form, error)
        else:
            continue_session(user)
            flash("Your password is changed. Every other session of your account has ended.",
                  "success")
            return redirect(url_for("users.settings"))
    return render_template("accounts/password.html", form=form), _status(form)


@bp.route("/settings/email", methods=["GET", "POST"])
@login_required
def change_email():
    if mail.mode() == mail.OFF:
        return render_template("accounts/email.html", form=None)
    form = EmailChangeForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        user = fresh_user()
        try:
            with _password_check(user):
                new_email = accounts.request_email_change(
                    user, form.current_password.data, form.email.data, mail.Links())
        except accounts.WrongPassword:
            _refuse_password(form.current_password)
        except ValidationError as error:
            apply_model_errors(form, error)
        except accounts.AddressTaken:
            form.email.errors = list(form.email.errors) + [
                "Another account uses that address."]
            status = 409
        except mail.MailUnavailable:
            status, headers = 503, _mail_down(form)
        else:
            flash(f"We sent a link to {new_email}. Your address changes when you follow it, "
                  f"within {current_app.config['EMAIL_TOKEN_HOURS']} hours.", "success")
            return redirect(url_for("users.settings"))
    if status == 200:
        status = _status(form)
    return render_template("accounts/email.html", form=form), status, headers


@bp.route("/auth/confirm-email/<token>")
def confirm_email(token):
    try:
        user = accounts.confirm_email_change(token, mail.Links())
    except tokens.InvalidToken as error:
        return _bad_link(error)
    except accounts.AddressTaken:
        return render_template("accounts/bad_link.html", taken=True), 409, NO_STORE
    flash(f"Your address is now {user.email}.", "success")
    if current_user.is_authenticated and current_user.pk == user.pk:
        return redirect(url_for("users.settings"))
    return redirect(url_for("auth.login"))


@bp.route("/settings/export")
@login_required
def export():
    user = fresh_user()
    body = json.dumps(account_data(user), ensure_ascii=False, indent=2)
    filename = f"inkwell-{user.created_at:%Y%m%d}-{user.pk}.json"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', **NO_STORE})


@bp.route("/settings/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    user = fresh_user()
    if accounts.is_last_admin(user):
        return render_template("accounts/delete.html", form=None), \
            409 if request.method == "POST" else 200
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            with _password_check(user):
                accounts.check_password(user, form.password.data)
            accounts.delete_account(user)
        except accounts.WrongPassword:
            _refuse_password(form.password)
        except accounts.LastAdminError:
            return render_template("accounts/delete.html", form=None), 409
        else:
            session.clear()
            logout_user()
            flash("Your account is deleted, with your posts. Goodbye.", "info")
            return redirect(url_for("posts.index"))
    return render_template("accounts/delete.html", form=form, confirm_word=CONFIRM_WORD), \
        _status(form)
