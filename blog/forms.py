"""Helpers shared by every blueprint's forms and query parameters."""
from flask import abort, request
from flask_wtf import FlaskForm
from mongoengine import ValidationError
from mongoengine.base.document import NON_FIELD_ERRORS

MAX_PAGE_PARAM_LENGTH = 9
EMBEDDED_FIELDS = ("profile",)


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
        form.form_errors.append(_text(error.message) or "Please check the form.")


def field_messages(error: ValidationError):
    """``{field: message}`` from a document's ValidationError.

    mongoengine files what ``clean()`` raised under ``__all__`` and adds the
    fields' own generic checks; the messages from ``clean()`` are the clearer.
    """
    errors = dict(error.errors or {})
    from_clean = errors.pop(NON_FIELD_ERRORS, None)
    messages = {}
    for name, detail in errors.items():
        nested = detail if isinstance(detail, dict) else getattr(detail, "errors", None)
        if name in EMBEDDED_FIELDS and isinstance(nested, dict):
            # An embedded document's own fields (the profile's website) have form fields.
            messages.update(field_messages(ValidationError(errors=nested)))
        else:
            messages[name] = _text(detail)
    if isinstance(from_clean, ValidationError) and from_clean.errors:
        messages.update({name: _text(detail) for name, detail in from_clean.errors.items()})
    elif from_clean is not None:
        messages[NON_FIELD_ERRORS] = _text(from_clean)
    return messages


def _form_field(name):
    return {"password_hash": "password"}.get(name, name)


def _text(detail):
    if isinstance(detail, dict):
        return " ".join(_text(value) for value in detail.values())
    if isinstance(detail, ValidationError):
        if detail.errors:
            return _text(detail.errors)
        return detail.message
    return str(detail)


def page_arg(name="page"):
    """The ``page`` query parameter as a positive whole number, or a 400."""
    raw = request.args.get(name, "1")
    if not raw.isascii() or not raw.isdigit() or len(raw) > MAX_PAGE_PARAM_LENGTH or int(raw) < 1:
        abort(400, description=f"“{name}” must be a whole number from 1 up.")
    return int(raw)
