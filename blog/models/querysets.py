"""The one pagination helper every list, page and API uses."""
import math
from dataclasses import dataclass

from flask import current_app, has_app_context
from mongoengine import QuerySet

MAX_PAGE = 100_000
DEFAULT_AGGREGATION_TIMEOUT_MS = 5000


class PageNotFound(LookupError):
    """A page number past the last page; ``last`` is the last page there is."""

    def __init__(self, page, last):
        super().__init__(page, last)
        self.page = page
        self.last = last


def last_page(total, limit):
    return max(1, math.ceil(total / limit))


@dataclass
class Page:
    items: list
    total: int
    page: int
    limit: int
    # True when more items match than ``total`` counts (a search ranks only so many).
    more_than_total: bool = False

    @property
    def pages(self):
        return last_page(self.total, self.limit)

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    def numbers(self, around=2):
        """Page numbers for a pager, with None where a gap is skipped."""
        shown = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers, previous = [], 0
        for number in sorted(n for n in shown if 1 <= n <= self.pages):
            if number - previous > 1:
                numbers.append(None)
            numbers.append(number)
            previous = number
        return numbers

    def metadata(self):
        return {"total": self.total, "page": self.page, "limit": self.limit,
                "totalPages": self.pages}


def aggregation_timeout_ms():
    if has_app_context():
        return current_app.config["AGGREGATION_TIMEOUT_MS"]
    return DEFAULT_AGGREGATION_TIMEOUT_MS


class BlogQuerySet(QuerySet):
    def aggregate(self, pipeline, *more_stages, **options):
        """MongoEngine's aggregation, stopped by the server after AGGREGATION_TIMEOUT_MS
        (``maxTimeMS``) with ExecutionTimeout, which the error pages explain."""
        options.setdefault("maxTimeMS", aggregation_timeout_ms())
        return super().aggregate(pipeline, *more_stages, **options)

    def paginate(self, page, limit, related=()):
        """One page of results and the total.

        ``related`` names reference fields to load for the whole page in one
        query each, so a page of 10 posts costs the same as a page of 1.
        """
        total = self.count()
        if page > MAX_PAGE or (page > 1 and (page - 1) * limit >= total):
            raise PageNotFound(page, last_page(total, limit))
        items = list(self.skip((page - 1) * limit).limit(limit))
        for field in related:
            load_references(items, field)
        return Page(items=items, total=total, page=page, limit=limit)


def load_references(documents, field):
    """Fetch the ``field`` reference of every document with one query."""
    documents = [doc for doc in documents if doc is not None]
    if not documents:
        return
    reference = documents[0]._fields[field]
    target = reference.document_type
    ids = {referenced_id(doc, field) for doc in documents} - {None}
    found = {obj.pk: obj for obj in target.objects(pk__in=list(ids))}
    for doc in documents:
        referenced = found.get(referenced_id(doc, field))
        if referenced is not None:
            doc._data[field] = referenced


def referenced_id(document, field):
    value = document._data.get(field)
    if value is None:
        return None
    return getattr(value, "pk", None) or getattr(value, "id", None) or value
