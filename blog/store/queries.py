"""What each read asks of the database, for a check that indexes serve it.

The embedded store reports each query (its filter, sort and limit, as a
server would receive them) to the listener installed with
``set_query_listener``; with none installed, nothing is built. The index test
(tests/test_indexes.py) installs one and checks every query the pages send.
"""
from collections.abc import Mapping
from dataclasses import dataclass

# The commands reported, with how many documents each reads at most (0: no limit of its own).
SINGLE_DOCUMENT = ("find_one", "find_one_and_update", "find_one_and_replace",
                   "find_one_and_delete", "update_one", "replace_one", "delete_one")
MANY_DOCUMENTS = ("count_documents", "distinct", "update_many", "delete_many")

_listener = None


@dataclass(frozen=True)
class Query:
    """One query. ``sort`` is ``((field, 1 or -1), …)``; ``limit`` 0 is none;
    ``stages`` are an aggregation's stages after its leading ``$match``
    (which is ``filter``), and ``max_time_ms`` the time it is given."""
    command: str
    collection: str
    filter: Mapping
    sort: tuple = ()
    limit: int = 0
    stages: tuple = ()
    max_time_ms: int | None = None


def set_query_listener(listener):
    """``listener(query)`` for each ``Query`` the embedded store runs; None to stop."""
    global _listener
    _listener = listener


def listening():
    return _listener is not None


def report(query):
    if _listener is not None:
        _listener(query)


def report_find(collection, filter, sort, limit):
    report(Query("find", collection, filter or {}, tuple(tuple(key) for key in sort or ()),
                 abs(limit or 0)))


def report_call(command, collection, args, kwargs):
    """Report the query of a collection method called with ``args`` and ``kwargs``."""
    if command == "aggregate":
        report(_aggregation(collection, list(kwargs.get("pipeline", args[0] if args else [])),
                            kwargs.get("maxTimeMS")))
    elif command in SINGLE_DOCUMENT or command in MANY_DOCUMENTS:
        if command == "distinct":
            filter = args[1] if len(args) > 1 else kwargs.get("filter")
        else:
            filter = args[0] if args else kwargs.get("filter")
        if filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}
        sort = kwargs.get("sort") or ()
        limit = 1 if command in SINGLE_DOCUMENT else kwargs.get("limit") or 0
        report(Query(command, collection, filter or {}, tuple(tuple(key) for key in sort),
                     limit))


def _aggregation(collection, stages, max_time_ms):
    """An aggregation as the query its first stages make: a leading ``$match``, then the
    ``$sort`` and ``$limit`` that follow it."""
    filter, sort, limit = {}, (), 0
    if stages and "$match" in stages[0]:
        filter, stages = stages[0]["$match"], stages[1:]
    rest = list(stages)
    if rest and "$sort" in rest[0]:
        sort = tuple(rest.pop(0)["$sort"].items())
    if rest and "$limit" in rest[0]:
        limit = rest[0]["$limit"]
    return Query("aggregate", collection, filter, sort, limit, tuple(stages), max_time_ms)
