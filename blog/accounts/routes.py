"""Password reset and change, address change, export and deletion of one's own account."""
import json

from flask import (
    Blueprint, Response, current_app, flash, g, redirect, render_template, request, session,
    url_for,
)
from flask_login import current_user, login_required, logout_user
from flask_limiter.util import get_remote_address
from mongoengine import ValidationError

from blog.accounts.export import account_data
from blog.accounts.forms import (
    CONFIRM_WORD, DeleteAccountForm, EmailChangeForm, NewPasswordForm, PasswordChangeForm,
    ResetRequestForm,
)
from blog.extensions import limiter
from blog.models.user import normalise_email
from blog.services import accounts, mail, tokens
from blog.services.sessions import continue_session, fresh_user
from blog.web.forms import apply_model_errors

bp = Blueprint("accounts", __name__)

MAIL_RETRY_SECONDS = 60
NO_STORE = {"Cache-Control": "no-store"}


def _reset_address_key():
    email = request.form.get("email", "")
    return f"reset-address:{normalise_email(email)[:254]}"


def _account_key():
    """Wrong current passwords are counted per account (per address for a visitor, whom the
    pages send to the login form before any password is checked)."""
    who = current_user.pk if current_user.is_authenticated else get_remote_address()
    return str(who)


def _password_refused(response):
    return g.get("password_refused", False)


# One budget for the pages that check the current password, so that each cannot be
# used in turn to go on guessing.
password_checks = limiter.shared_limit(lambda: current_app.config["PASSWORD_CHECK_FAILURES"],
                                       scope="password-check", methods=["POST"],
                                       key_func=_account_key, deduct_when=_password_refused)


def _refuse_password(field):
    field.errors = list(field.errors) + ["That is not your password."]
    g.password_refused = True


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
@password_checks
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = fresh_user()
        try:
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
@password_checks
def change_email():
    if mail.mode() == mail.OFF:
        return render_template("accounts/email.html", form=None)
    form = EmailChangeForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            new_email = accounts.request_email_change(
                fresh_user(), form.current_password.data, form.email.data, mail.Links())
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
@password_checks
def delete_account():
    user = fresh_user()
    if accounts.is_last_admin(user):
        return render_template("accounts/delete.html", form=None), \
            409 if request.method == "POST" else 200
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
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
