from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from blog.web.forms import PageForm
from blog.models.user import (
    MAX_PASSWORD_BYTES, email_problem, name_problem, normalise_email, password_problem,
)


def usable_password(form, field):
    problem = password_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


# Checked with the other fields, so that a form with several mistakes names them all at once.
def usable_email(form, field):
    problem = email_problem(normalise_email(field.data or ""))
    if problem:
        raise ValidationError(problem)


def usable_name(form, field):
    problem = name_problem(field.data or "")
    if problem:
        raise ValidationError(problem)


class RegisterForm(PageForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254), usable_email])
    name = StringField("Name", validators=[InputRequired(), Length(max=80), usable_name])
    password = PasswordField("Password", validators=[InputRequired(), usable_password])
    password_confirm = PasswordField("Repeat the password", validators=[
        InputRequired(), EqualTo("password", message="The two passwords differ.")])


class LoginForm(PageForm):
    email = EmailField("Email", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[
        InputRequired(), Length(max=4 * MAX_PASSWORD_BYTES)])
    remember = BooleanField("Keep me logged in on this device")
