"""The indexes the documents declare, compared with those the database holds.

On a MongoDB server the indexes come from `flask db ensure-indexes`, not from
the app (``auto_create_index`` is off). Without the unique ones a server
accepts two accounts with one email, never retries a clashing slug and may
audit a transfer twice, so the app refuses to start or serve until they exist.
Indexes the server holds that no document declares cost every write and
memory; `ensure-indexes` lists them and drops them when asked.
"""
import logging

from pymongo.errors import PyMongoError

from blog.models import document_classes
from blog.store import connection

log = logging.getLogger("blog.db")


class MissingIndexes(RuntimeError):
    """A unique index a document declares is not on the server (gunicorn stops with this
    message when it is raised at start)."""


def _key(fields):
    return tuple((field, direction if isinstance(direction, str) else int(direction))
                 for field, direction in fields)


def _name(spec):
    return spec.get("name") or "_".join(f"{field}_{direction}" for field, direction in
                                        spec["fields"])


def missing_unique():
    """``collection.index`` for each unique index declared but absent, or not unique."""
    missing = []
    for document in document_classes():
        present = document._get_collection().index_information().values()
        unique = {_key(index["key"]) for index in present if index.get("unique")}
        for spec in document._meta.get("index_specs", ()):
            if spec.get("unique") and _key(spec["fields"]) not in unique:
                missing.append(f"{document._get_collection_name()}.{_name(spec)}")
    return missing


def require_unique_indexes():
    missing = missing_unique()
    if missing:
        raise MissingIndexes(f"The database lacks the unique indexes {', '.join(missing)}: "
                             f"run `flask db ensure-indexes`, then start the blog again.")


def check_at_start(app):
    """Raise MissingIndexes when a server lacks a unique index. A server that does not
    answer yet is left to the requests, which answer 503 until it does."""
    if app.extensions["database_mode"] != connection.SERVER:
        return
    with app.app_context():
        try:
            require_unique_indexes()
        except PyMongoError as error:
            log.warning("could not check the indexes at start: %s", error)


def extra():
    """``[(document class, index name)]``: indexes on the server that no document declares."""
    found = []
    for document in document_classes():
        surplus = {_key(fields) for fields in document.compare_indexes()["extra"]}
        for name, index in sorted(document._get_collection().index_information().items()):
            if _key(index["key"]) in surplus:
                found.append((document, name))
    return sorted(found, key=lambda found: (found[0]._get_collection_name(), found[1]))


def drop(indexes):
    for document, name in indexes:
        document._get_collection().drop_index(name)
