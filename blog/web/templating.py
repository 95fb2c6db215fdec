"""Filters and globals the templates share."""
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import request, url_for

from blog.models.base import aware
from blog.text.diff import is_changed


def date(value):
    return aware(value).strftime("%-d %B %Y") if value else ""


def datetime_text(value):
    """A date and time in UTC as people read them: ``5 May 2025, 14:30``."""
    return aware(value).astimezone(timezone.utc).strftime("%-d %B %Y, %H:%M") if value else ""


def isodate(value):
    return aware(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else ""


def page_url(number):
    """The current page's URL with another ``page`` number, other parameters kept.

    The query string is appended, not passed to ``url_for``, where a parameter
    named ``endpoint``, ``_external`` or like a view argument would change the link.
    """
    args = request.args.to_dict()
    args["page"] = number
    return f"{url_for(request.endpoint, **(request.view_args or {}))}?{urlencode(args)}"


def register_template_helpers(app):
    app.add_template_filter(date)
    app.add_template_filter(isodate)
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_global(page_url)
    # {% if pieces is changed %}: whether word_diff's pieces hold an insertion or deletion.
    app.add_template_test(is_changed, "changed")
    app.add_template_global(lambda: datetime.now(timezone.utc).year, "current_year")
