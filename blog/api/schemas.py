"""What the JSON API takes and answers, as marshmallow schemas: ``blog.api.openapi``
describes every ``/api`` route with them, and the tests check each answer against
that description."""
from marshmallow import Schema, fields, validate

from blog.api.responses import DEFAULT_LIMIT, MAX_LIMIT
from blog.errors import CODES
from blog.models.audit import ACTIONS
from blog.models.post import MAX_TAG_LENGTH, SHOWN_STATUSES, STATUSES
from blog.models.user import ROLES
from blog.search.query import MAX_QUERY_LENGTH
from blog.services.accounts import MAX_SEARCH
from blog.services.history import MAX_ACTOR
from blog.web.forms import MAX_NUMBER_LENGTH

OBJECT_ID = r"^[0-9a-fA-F]{24}$"
# An id, or nothing (a parameter given empty is as if it were not given).
OBJECT_ID_OR_EMPTY = r"^([0-9a-fA-F]{24})?$"
LARGEST_NUMBER = 10 ** MAX_NUMBER_LENGTH - 1


def _id(**kwargs):
    return fields.String(required=True, metadata={"pattern": OBJECT_ID}, **kwargs)


def _count(**kwargs):
    return fields.Integer(required=True, validate=validate.Range(min=0), **kwargs)


# Answers ------------------------------------------------------------------------------

class ErrorDetail(Schema):
    code = fields.String(required=True, validate=validate.OneOf(sorted(set(CODES.values()))),
                         metadata={"description": "What went wrong, for programs."})
    message = fields.String(required=True, metadata={"description": "What went wrong, "
                                                     "for people."})


class Error(Schema):
    """Every error: the status code says which, ``error.message`` says why."""
    success = fields.Boolean(required=True, validate=validate.Equal(False))
    error = fields.Nested(ErrorDetail, required=True)


class Metadata(Schema):
    total = _count(metadata={"description": "Items matching, over every page."})
    page = fields.Integer(required=True, validate=validate.Range(min=1))
    limit = fields.Integer(required=True, validate=validate.Range(min=1, max=MAX_LIMIT))
    totalPages = _count()


class Author(Schema):
    id = _id()
    name = fields.String(required=True)


class PostItem(Schema):
    """A published post as lists show it; times are ISO 8601 in UTC."""
    id = _id()
    slug = fields.String(required=True)
    title = fields.String(required=True)
    excerpt = fields.String(required=True, metadata={"description": "The start of the text, "
                                                     "as plain text."})
    tags = fields.List(fields.String(), required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    author = fields.Nested(Author, required=True, allow_none=True)
    createdAt = fields.DateTime(required=True)
    updatedAt = fields.DateTime(required=True)
    publishedAt = fields.DateTime(required=True, allow_none=True)
    commentCount = _count(metadata={"description": "Its visible comments."})


class CommentItem(Schema):
    """A visible comment; times are ISO 8601 in UTC."""
    id = _id()
    html = fields.String(required=True, metadata={"description": "The Markdown rendered and "
                                                  "sanitised: no images, headings or raw HTML; "
                                                  "links are rel=\"nofollow ugc noopener\"."})
    body = fields.String(required=True, metadata={"description": "The Markdown as written."})
    author = fields.Nested(Author, required=True, allow_none=True)
    parent = fields.String(required=True, allow_none=True, metadata={
        "pattern": OBJECT_ID, "description": "The top-level comment a reply answers; null "
                                             "for a top-level comment."})
    createdAt = fields.DateTime(required=True)


class Post(PostItem):
    """A post with its text: the Markdown as written and the sanitised HTML it renders to."""
    content = fields.String(required=True)
    html = fields.String(required=True)


class UserItem(Schema):
    """An account as admins see it: never a password, its hash or a session token."""
    id = _id()
    # Addresses may have letters beyond ASCII (RFC 6531).
    email = fields.String(required=True, metadata={"format": "idn-email"})
    name = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    points = _count()
    createdAt = fields.DateTime(required=True)


class Actor(Schema):
    id = fields.String(required=True, allow_none=True,
                       metadata={"description": "The user's id; null for the command line "
                                                "or the system."})
    name = fields.String(required=True, metadata={"description": "An email, \"cli\" or "
                                                  "\"system\"."})


class AuditItem(Schema):
    """One entry of the append-only audit history."""
    id = _id()
    at = fields.DateTime(required=True)
    actor = fields.Nested(Actor, required=True)
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    collection = fields.String(required=True)
    documentId = fields.String(required=True, allow_none=True)
    label = fields.String(required=True, allow_none=True)
    changes = fields.Dict(required=True, allow_none=True,
                          metadata={"description": "{field: [old, new]}, secrets redacted."})
    ip = fields.String(required=True, allow_none=True)


class Totals(Schema):
    users = _count()
    posts = _count()
    draft = _count()
    scheduled = _count()
    published = _count()
    archived = _count()
    tags = _count(metadata={"description": "Tags of visible posts."})
    comments = _count(metadata={"description": "Visible comments."})
    auditEntries = _count()


class RoleCount(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    count = _count()
    averageAge = fields.Float(required=True, allow_none=True)


class MonthCount(Schema):
    year = fields.Integer(required=True)
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    count = _count()


class MonthStatusCount(MonthCount):
    draft = _count()
    scheduled = _count()
    published = _count()
    archived = _count()


class TagCount(Schema):
    tag = fields.String(required=True)
    count = _count()


class AuthorCount(Schema):
    id = _id()
    name = fields.String(required=True)
    count = _count()


class Stats(Schema):
    """The admin dashboard's statistics; months are the last twelve, oldest first."""
    totals = fields.Nested(Totals, required=True)
    usersByRole = fields.List(fields.Nested(RoleCount), required=True)
    postsByMonth = fields.List(fields.Nested(MonthCount), required=True)
    postsByMonthAndStatus = fields.List(fields.Nested(MonthStatusCount), required=True)
    topTags = fields.List(fields.Nested(TagCount), required=True)
    topAuthors = fields.List(fields.Nested(AuthorCount), required=True)
    signupsByMonth = fields.List(fields.Nested(MonthCount), required=True)
    commentsByMonth = fields.List(fields.Nested(MonthCount), required=True, metadata={
        "description": "Visible comments, by the month they were written."})
    pendingComments = _count(metadata={"description": "Comments awaiting approval."})


# Query parameters ---------------------------------------------------------------------

def _text(maximum, description):
    return fields.String(validate=validate.Length(max=maximum), metadata={
        "description": f"{description} Spaces around it are ignored."})


class Paging(Schema):
    page = fields.Integer(validate=validate.Range(min=1, max=LARGEST_NUMBER), load_default=1,
                          metadata={"description": "Past the last page: 404."})
    limit = fields.Integer(validate=validate.Range(min=1, max=LARGEST_NUMBER),
                           load_default=DEFAULT_LIMIT,
                           metadata={"description": f"Items a page; above {MAX_LIMIT}, "
                                                    f"{MAX_LIMIT}."})


class PostsQuery(Paging):
    q = _text(MAX_QUERY_LENGTH, "Search words, \"a phrase\", -exclusions and tag:name; the "
                                "posts matching, best first.")
    tag = _text(MAX_TAG_LENGTH, "Only posts with this tag.")
    author = fields.String(metadata={"pattern": OBJECT_ID_OR_EMPTY,
                                     "description": "Only posts by this user (an id)."})


class UsersQuery(Paging):
    search = _text(MAX_SEARCH, "Part of a name or email.")


class AuditQuery(Paging):
    """Parameters are taken as sent, not trimmed; one given empty is as if not given."""
    action = fields.String(validate=validate.OneOf(("", *ACTIONS)))
    collection = fields.String(metadata={"pattern": "^[a-z_,]{0,40}$",
                                         "description": "user, post, …"})
    actor = fields.String(validate=validate.Length(max=MAX_ACTOR), metadata={
        "description": "A user id, or a name as stored (an email, cli, system)."})
    document = fields.String(metadata={"pattern": OBJECT_ID_OR_EMPTY})
    date_from = fields.String(data_key="from", metadata={
        "description": "A date (2025-03-31) or an ISO 8601 date and time; entries from "
                       "then. Not a date, or not before ``to``: 400."})
    date_to = fields.String(data_key="to", metadata={
        "description": "A date (the whole day is included) or an ISO 8601 date and time."})
