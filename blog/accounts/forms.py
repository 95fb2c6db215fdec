from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from blog.auth.forms import usable_password
from blog.models.user import MAX_PASSWORD_BYTES
from blog.web.forms import PageForm

CONFIRM_WORD = "delete"
# Room for any password a person could have set: 72 bytes are at most 72 characters.
MAX_TYPED_PASSWORD = 4 * MAX_PASSWORD_BYTES


def _current_password(label="Your current password"):
    return PasswordField(label, validators=[InputRequired(), Length(max=MAX_TYPED_PASSWORD)])


def _new_password_fields():
    return (PasswordField("New password", validators=[InputRequired(), usable_password]),
            PasswordField("Repeat the new password", validators=[
                InputRequired(), EqualTo("password", message="The two passwords differ.")]))


class ResetRequestForm(PageForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])


class NewPasswordForm(PageForm):
    password, password_confirm = _new_password_fields()


class PasswordChangeForm(PageForm):
    current_password = _current_password()
    password, password_confirm = _new_password_fields()


class EmailChangeForm(PageForm):
    email = EmailField("New email address", validators=[InputRequired(), Length(max=254)])
    current_password = _current_password()


def _typed_confirm_word(form, field):
    if (field.data or "").strip().lower() != CONFIRM_WORD:
        raise ValidationError(f"Type the word {CONFIRM_WORD} to confirm.")


class DeleteAccountForm(PageForm):
    password = _current_password("Your password")
    confirm = StringField(f"Type {CONFIRM_WORD} to confirm",
                          validators=[InputRequired(), Length(max=100), _typed_confirm_word])
