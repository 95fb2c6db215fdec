"""Filters, tests and globals the templates share."""
import re
import zlib
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import request, url_for
from markupsafe import Markup, escape

from blog.models.base import aware
from blog.text.diff import is_changed, word_diff
from blog.web.links import external_path

OBJECT_ID = re.compile(r"[0-9a-f]{24}")
# Where an email may wrap: before its @, and after a dot of the name before it.
EMAIL_BREAK = re.compile(r"(@|\.(?=[^@\s]*@))")
# A time as the audit history stores it: ISO 8601, in UTC.
ISO_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


def date(value):
    return aware(value).strftime("%-d %B %Y") if value else ""


def datetime_text(value):
    """A date and time in UTC as people read them: ``5 May 2025, 14:30``."""
    return aware(value).astimezone(timezone.utc).strftime("%-d %B %Y, %H:%M") if value else ""


def isodate(value):
    """A moment as ISO 8601 in UTC, to the millisecond at most (``2025-03-31T14:05:09.120Z``,
    or ``2025-03-31T14:05:09Z`` on a whole second): the precision MongoDB keeps, and the
    most an HTML ``datetime`` attribute allows."""
    if not value:
        return ""
    moment = aware(value).astimezone(timezone.utc)
    precision = "milliseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=precision).replace("+00:00", "Z")


def utc(value):
    """A time (a datetime, or ISO 8601 text) as ``2025-03-31 14:05:09``, in UTC and 24 hours:
    how every admin page shows a moment."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return aware(value).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def breakable(text):
    """Text with emails in it, which may wrap before an @ or after a dot of the name
    before it, rather than inside a word, where a column is narrow. The text is escaped;
    only the break points are markup."""
    pieces = []
    for part in EMAIL_BREAK.split(str(text)):
        if part == "@":
            pieces.append(Markup("<wbr>@"))
        elif part == ".":
            pieces.append(Markup(".<wbr>"))
        else:
            pieces.append(escape(part))
    return Markup("").join(pieces)


def is_object_id(value):
    return isinstance(value, str) and OBJECT_ID.fullmatch(value) is not None


def is_instant(value):
    return isinstance(value, str) and ISO_INSTANT.fullmatch(value) is not None


def page_url(number, base=None):
    """The current page's URL (or ``base``, a path on this site with its query) with
    another ``page`` number, other parameters kept.

    The query string is appended, not passed to ``url_for``, where a parameter
    named ``endpoint``, ``_external`` or like a view argument would change the link.
    """
    if base is not None:
        parts = urlsplit(base)
        path, args = parts.path, dict(parse_qsl(parts.query))
    else:
        path = url_for(request.endpoint, **(request.view_args or {}))
        args = request.args.to_dict()
    args["page"] = number
    return f"{path}?{urlencode(args)}"


# Query parameters that make a different page of the same address; others are dropped.
CANONICAL_PARAMETERS = ("q", "page", "status")


def canonical_url():
    """This page's one address for search engines: scheme, host and path, with only the
    parameters that change what it shows (a first page has no ``page``)."""
    args = {name: request.args[name] for name in CANONICAL_PARAMETERS
            if request.args.get(name) and not (name == "page" and request.args[name] == "1")}
    query = f"?{urlencode(args)}" if args else ""
    return f"{external_path(request.path)}{query}"


# The site's colours (static/css/site.css), dark enough for white initials.
AVATAR_COLOURS = ("#2f5bd3", "#2348aa", "#1a7f4b", "#9a6700", "#b42318", "#5b6475", "#1d2330")


def avatar_colour(user):
    """The colour of a user's drawn avatar: the same for them on every page."""
    digest = zlib.crc32(str(user.pk).encode())
    return AVATAR_COLOURS[digest % len(AVATAR_COLOURS)]


def register_template_helpers(app):
    app.add_template_filter(date)
    app.add_template_filter(isodate)
    app.add_template_filter(datetime_text, "datetime")
    app.add_template_filter(utc)
    app.add_template_filter(breakable)
    # {{ old|diff_pieces(new) }}: word_diff's pieces, for templates/macros/diff.html.
    app.add_template_filter(word_diff, "diff_pieces")
    app.add_template_test(is_object_id, "object_id")
    app.add_template_test(is_instant, "instant")
    app.add_template_global(page_url)
    app.add_template_global(canonical_url)
    app.add_template_global(avatar_colour)
    # {% if pieces is changed %}: whether word_diff's pieces hold an insertion or deletion.
    app.add_template_test(is_changed, "changed")
    app.add_template_global(lambda: datetime.now(timezone.utc).year, "current_year")
