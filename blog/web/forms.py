"""Reading what a request sends: forms, query parameters and ids in paths."""
from flask import abort, current_app, request
from flask_wtf import FlaskForm
from mongoengine import ValidationError

from blog.models import User
from blog.models.base import field_message_text, field_messages

MAX_NUMBER_LENGTH = 9
# Room for a form's other fields beside an image file, in a request that sends one.
FORM_ALLOWANCE = 1024 * 1024


class PageForm(FlaskForm):
    """A form on a page: it reads posted form fields and nothing else.

    Flask-WTF also reads a JSON body as the form's data, where a field can hold
    an object, a list or a boolean that no validator expects, and a body that is
    not an object fails before validation. Such a request gets the form's
    errors, as an empty form would.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if request.is_json and not request.form:
                formdata = request.form
            return super().wrap_formdata(form, formdata)


def apply_model_errors(form, error: ValidationError):
    """Show a document's validation errors beside the form's fields."""
    shown = False
    for field_name, message in field_messages(error).items():
        field = getattr(form, _form_field(field_name), None)
        if field is not None:
            field.errors = list(field.errors) + [message]
            shown = True
    if not shown:
        form.form_errors.append(field_message_text(error.message) or "Please check the form.")


def _form_field(name):
    return {"password_hash": "password"}.get(name, name)


def int_arg(name, default, minimum=1, maximum=None):
    """A whole-number query parameter; a 400 names the parameter when it is not one."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_NUMBER_LENGTH:
        abort(400, description=f"“{name}” must be a whole number.")
    value = int(raw)
    if value < minimum or (maximum is not None and value > maximum):
        limits = f"from {minimum} to {maximum}" if maximum is not None else f"from {minimum} up"
        abort(400, description=f"“{name}” must be {limits}.")
    return value


def page_arg():
    """The ``page`` query parameter: a whole number from 1 up, or a 400."""
    return int_arg("page", 1)


def str_arg(name, max_length=200):
    """A text query parameter, trimmed; a 400 when it is longer than ``max_length`` as sent."""
    raw = request.args.get(name, "")
    if len(raw) > max_length:
        abort(400, description=f"“{name}” must be at most {max_length} characters.")
    return raw.strip()


def wants_json():
    """Whether this request is the API's (or the health check's), which answer in JSON, or
    asks for JSON (the editor's image button)."""
    return request.path.startswith("/api/") or request.path == "/healthz" or prefers_json()


def prefers_json():
    """Whether the request's ``Accept`` header puts JSON before HTML."""
    return request.accept_mimetypes.best == "application/json"


def accepts_images(view):
    """Mark a view whose form may send an image file: its requests may be as large as
    ``MAX_IMAGE_BYTES`` and the other fields (``allow_image_uploads`` reads the mark)."""
    view.accepts_images = True
    return view


def allow_image_uploads():
    """A ``before_request`` hook, run before anything reads the form (CSRF does): the size
    limit of a request that may carry an image (a form sent as multipart/form-data; any
    other stays within ``MAX_CONTENT_LENGTH``)."""
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "accepts_images", False) and request.mimetype == "multipart/form-data":
        request.max_content_length = current_app.config["MAX_IMAGE_BYTES"] + FORM_ALLOWANCE


def user_or_404(user_id):
    """The user an id in the path names, or a 404 (also for text that is not an id)."""
    user = User.by_id(user_id)
    if user is None:
        abort(404, description="There is no such user.")
    return user
