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


# Query parameters that make a different page of the same address; others are dropped.
CANONICAL_PARAMETERS = ("q", "page", "status")


def canonical_url():
    """This page's one address for search engines: scheme, host and path, with only the
    parameters that change what it shows (a first page has no ``page``)."""
    args = {name: request.args[name] for name in CANONICAL_PARAMETERS
            if request.args.get(name) and not (name == "page" and request.args[name] == "1")}
    query = f"?{urlencode(args)}" if args else ""
    return f"{request.base_url}{query}"


def register_template_helpers(app):
    app.add_template_filter(date)
    app.add_template_filter(isodate)
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_global(page_url)
    app.add_template_global(canonical_url)
    # {% if pieces is changed %}: whether word_diff's pieces hold an insertion or deletion.
    app.add_template_test(is_changed, "changed")
    app.add_template_global(lambda: datetime.now(timezone.utc).year, "current_year")
