"""The embedded store: mongomock, made safe for threads and kept in a file.

mongomock evaluates every query in Python and updates documents in place, so
each operation here runs under one lock (which also makes a guarded update
such as ``{"points": {"$gte": n}}`` atomic, as it is on a server). A cursor
copies only the page it returns rather than every match, a lookup by ``_id``
(or a list of them) or by a unique key skips the full scan, and an aggregation
copies only the fields it reads (``plans`` decides when).
The stores of ``changes`` note what each write changed, and ``embedded_file``
commits that to the file before the write returns. GridFS works on it.
"""
import contextlib
import functools
import logging
import threading
from datetime import datetime

import mongomock
import mongomock.gridfs
from bson import ObjectId
from mongomock import aggregate, filtering, helpers
from mongomock.collection import Cursor
from mongomock.database import Database
from pymongo.errors import DuplicateKeyError

from blog.store.changes import TrackedServerStore, store_key
from blog.store.plans import (
    copy_value, fields_read, group_stored, inclusion_fields, is_plain, run_simple_stages,
    selected_ids, simple_filter,
)
from blog.store import queries
from blog.store.operations import Stopwatch, add_time_to_last_operation, record_operation


READ_OPERATIONS = (
    "find", "find_one", "count_documents", "estimated_document_count", "aggregate",
    "distinct", "list_indexes", "index_information",
)
WRITE_OPERATIONS = (
    "insert_one", "insert_many", "update_one", "update_many", "replace_one", "delete_one",
    "delete_many", "find_one_and_update", "find_one_and_replace", "find_one_and_delete",
    "create_index", "drop_index", "drop_indexes", "drop",
)
INDEX_OPERATIONS = ("create_index", "drop_index", "drop_indexes", "drop")
COPY_BATCH = 100
SIMPLE_SORT_TYPES = {str, int, datetime, ObjectId}
_depth = threading.local()
log = logging.getLogger("blog.db")

# gridfs checks that it is given pymongo's classes; this lets it take mongomock's.
mongomock.gridfs.enable_gridfs_integration()


def _operation(method, writes):
    """A collection method run as one operation of the store (``EmbeddedClient.operation``)."""
    # The hashes of unique values are kept up to date by every write, but built
    # from the indexes, so they are rebuilt when an index comes or goes.
    changes_indexes = method.__name__ in INDEX_OPERATIONS

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        if queries.listening() and not getattr(_depth, "value", 0):
            queries.report_call(method.__name__, self.name, args, kwargs)
        with self.database.client.operation(method.__name__, self.name, writes):
            if changes_indexes:
                self.forget_unique_values()
            return method(self, *args, **kwargs)

    return run


class EmbeddedCursor(Cursor):
    """Finds the matching documents once and copies each only when it is returned.

    mongomock's own cursor copies every match before returning the first, so a
    page of 10 from 10,000 matches would copy 10,000 documents.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._matched = None
        self._matched_for = None
        # Read by index (``cursor[0]``): a server is asked for one document.
        self._single = False

    def _matches(self):
        # sort() replaces the factory, so a new factory means a new order.
        if self._matched_for is not self._factory:
            # A cursor run by another operation (find_one) is reported by that operation.
            if queries.listening() and not getattr(_depth, "value", 0):
                queries.report_find(self.collection.name, self._spec, self._sort,
                                    1 if getattr(self, "_single", False) else self._limit)
            with self.collection.database.client.store_lock, Stopwatch() as watch:
                self._matched = self.collection.matching_documents(self._spec, self._sort)
            add_time_to_last_operation(watch.seconds)
            self._matched_for = self._factory
        return self._matched

    def _window(self, with_limit_and_skip):
        matches = self._matches()
        if not with_limit_and_skip:
            return matches
        end = self._skip + abs(self._limit) if self._limit else None
        return matches[self._skip:end]

    def _copy(self, documents):
        with self.collection.database.client.store_lock, Stopwatch() as watch:
            copies = self.collection.copy_documents(documents, self._projection)
        add_time_to_last_operation(watch.seconds)
        return copies

    def _compute_results(self, with_limit_and_skip=False):
        return self._copy(self._window(with_limit_and_skip))

    def __next__(self):
        """The next copy. After the first document (all ``find_one`` wants), copies
        are made a batch at a time rather than taking the lock for each."""
        if not getattr(self, "_batch", None):
            matches = self._matches()
            position = self._skip + self._emitted
            batch = COPY_BATCH if self._emitted else 1
            end = min(len(matches), position + batch)
            if self._limit:
                end = min(end, self._skip + abs(self._limit))
            if position >= end:
                raise StopIteration
            self._batch = self._copy(matches[position:end])
            self._batch.reverse()
        self._emitted += 1
        return self._batch.pop()

    next = __next__

    def rewind(self):
        self._batch = []
        return super().rewind()

    def __getitem__(self, index):
        if isinstance(index, int) and index >= 0:
            self._single = self._single or not self._matched_for
            return self._copy([self._window(with_limit_and_skip=True)[index]])[0]
        return super().__getitem__(index)

    @property
    def alive(self):
        return self._emitted < len(self._window(with_limit_and_skip=True))


class EmbeddedCollection(mongomock.Collection):
    def find(self, filter=None, projection=None, skip=0, limit=0, sort=None, **kwargs):
        cursor = EmbeddedCursor(self, filter or {}, sort, projection, skip, limit)
        for option in ("max_time_ms", "allow_disk_use"):
            if kwargs.get(option) is not None:
                getattr(cursor, option)(kwargs[option])
        return cursor

    def with_options(self, **options):
        return self

    def aggregate(self, pipeline, session=None, **kwargs):
        """mongomock's aggregation, fed only the documents a leading ``$match``
        selects and only the fields the pipeline reads, where it can tell."""
        stages = list(pipeline)
        fields = fields_read(stages)
        if fields is None and not (stages and list(stages[0]) == ["$match"]):
            return mongomock.Collection.aggregate(self, stages, session, **kwargs)
        match = {}
        if stages and list(stages[0]) == ["$match"]:
            match, stages = stages[0]["$match"], stages[1:]
        spec = helpers.patch_datetime_awareness_in_document(match)
        grouped = group_stored(lambda: self.matching_documents(spec, None), stages)
        if grouped is not None:
            documents, stages = grouped
        else:
            projection = dict.fromkeys(fields, 1) if fields is not None else None
            documents, stages = run_simple_stages(list(self.find(match, projection)), stages)
        return self._run_stages(documents, stages, session)

    def _run_stages(self, documents, stages, session):
        """The rest of a pipeline: a ``$sort`` of plain values here, with Python's
        sort (mongomock's compares every pair with its general BSON ordering,
        many times slower), every other stage by mongomock."""
        waiting = []
        for stage in stages:
            spec = stage.get("$sort") if isinstance(stage, dict) and len(stage) == 1 else None
            if isinstance(spec, dict) and spec and all(
                    type(direction) is int and direction in (1, -1) for direction in spec.values()):
                if waiting:
                    documents = list(aggregate.process_pipeline(
                        documents, self.database, waiting, session))
                    waiting = []
                keys = [_plain_sort_key(key, documents) for key in spec]
                if all(keys):
                    for key, direction in reversed(list(zip(keys, spec.values()))):
                        documents.sort(key=key, reverse=direction < 0)
                    continue
            waiting.append(stage)
        if waiting:
            return aggregate.process_pipeline(documents, self.database, waiting, session)
        return iter(documents)

    def matching_documents(self, spec, sort):
        """The stored documents (not copies) that match ``spec``, in ``sort`` order."""
        documents = list(self._iter_documents(spec))
        for key, direction in reversed(sort or []):
            if key == "$natural":
                if direction < 0:
                    documents.reverse()
                continue
            if key.startswith("$"):
                raise NotImplementedError(f"sorting by {key} is not supported")
            documents.sort(key=_sort_key(key, documents), reverse=direction < 0)
        return documents

    def copy_documents(self, documents, projection):
        aware = self.codec_options.tz_aware
        if not projection:
            return [copy_value(document, aware) for document in documents]
        included = inclusion_fields(projection)
        if included is not None:
            return [{key: copy_value(document[key], aware) for key in included if key in document}
                    for document in documents]
        copies = [self._copy_only_fields(document, projection, dict) for document in documents]
        if aware:
            copies = [helpers.make_datetime_timezone_aware_in_document(copy) for copy in copies]
        return copies

    def _iter_documents(self, filter):
        ids = selected_ids(filter)
        exact = ids is not None and len(filter) == 1 and not isinstance(filter["_id"], dict)
        if ids is None:
            ids = self._ids_holding_unique_value(filter)
        if ids is not None:
            found = (self._store._documents.get(value) for value in ids)
            if exact:
                return (doc for doc in found if doc is not None)
            return (doc for doc in found
                    if doc is not None and filtering.filter_applies(filter, doc))
        matches = simple_filter(filter)
        if matches is not None:
            return (doc for doc in list(self._store._documents.values()) if matches(doc))
        return super()._iter_documents(filter)

    def _ids_holding_unique_value(self, filter):
        """The ids of the documents holding the value ``filter`` asks of a unique key
        (``{"slug": "…"}``), from the hash writes keep; None when it asks none."""
        if not isinstance(filter, dict):
            return None
        for key in self._unique_keys():
            value = filter.get(key)
            if is_plain(value):
                try:
                    return list(self._holders(key, value))
                except TypeError:  # a stored value that cannot be hashed, such as an array
                    return None
        return None

    def _unique_keys(self):
        return {
            index["key"][0][0]: True
            for index in self._store.indexes.values()
            if index.get("unique") and len(index["key"]) == 1 and "." not in index["key"][0][0]
            and not index.get("sparse") and "partialFilterExpression" not in index
        }

    def create_index(self, key_or_list, cache_for=300, session=None, **kwargs):
        if kwargs.get("unique") and kwargs.get("partialFilterExpression") is not None:
            name = self._create_partial_unique_index(key_or_list, cache_for, session, kwargs)
        else:
            name = super().create_index(key_or_list, cache_for, session, **kwargs)
        # Built now (at start, as the app creates its indexes) rather than by the
        # first write or lookup after it, which would scan every document.
        for key in self._unique_keys():
            with contextlib.suppress(TypeError):
                self._unique_values(key)
        return name

    def _create_partial_unique_index(self, key_or_list, cache_for, session, options):
        """mongomock checks the documents already stored against a new unique index as if
        it had no ``partialFilterExpression`` (so every document outside it would clash):
        the index is made without the check, then checked over the documents it covers."""
        keys = [key for key, _ in helpers.create_index_list(key_or_list)]
        name = options.get("name") or helpers.gen_index_name(helpers.create_index_list(key_or_list))
        # mongomock compares the options of an index made again with those it was made with.
        existing = self._store.indexes.pop(name, None)
        try:
            super().create_index(key_or_list, cache_for, session, **dict(options, unique=False))
        except Exception:
            if existing is not None:
                self._store.indexes[name] = existing
            raise
        covered = options["partialFilterExpression"]
        seen = set()
        for document in self._store.documents:
            if not filtering.filter_applies(covered, document):
                continue
            value = repr([helpers.get_value_by_dot(document, key) if _has_dotted(document, key)
                          else None for key in keys])
            if value in seen:
                del self._store.indexes[name]
                raise DuplicateKeyError(f"E11000 duplicate key error: index {name}", 11000)
            seen.add(value)
        self._store.indexes[name]["unique"] = True
        return name

    def _ensure_uniques(self, new_data):
        """mongomock scans every document per unique index on each write; this
        checks a hash of the indexed values instead.

        mongomock calls this after each insert and each update that changed a
        document in place, so it is also where such a change is noted.
        """
        self._store.noted_document(new_data)
        simple = self._unique_keys()
        document_key = store_key(new_data["_id"])
        for key in simple:
            value = new_data.get(key)
            if value is not None and not is_plain(value):
                return super()._ensure_uniques(new_data)
            if self._holders(key, value) - {document_key}:
                raise mongomock.DuplicateKeyError(
                    f"E11000 duplicate key error: {key} {value!r}", 11000)
        if len(simple) < sum(1 for i in self._store.indexes.values() if i.get("unique")):
            super()._ensure_uniques(new_data)
        for key in simple:
            self._unique_values(key).setdefault(new_data.get(key), set()).add(document_key)

    def _holders(self, key, value):
        """The keys of the documents holding ``value`` under the unique ``key``.

        The hash only ever gains keys; one whose document has since changed its
        value or gone is dropped here, where it is read.
        """
        holders = self._unique_values(key).setdefault(value, set())
        documents = self._store._documents
        for held in list(holders):
            document = documents.get(held)
            if document is None or document.get(key) != value:
                holders.discard(held)
        return holders

    def _unique_values(self, key):
        index = self.__dict__.setdefault("_unique_index", {})
        if key not in index:
            values = {}
            for stored_key, doc in self._store._documents.items():
                values.setdefault(doc.get(key), set()).add(stored_key)
            index[key] = values
        return index[key]

    def forget_unique_values(self):
        self.__dict__["_unique_index"] = {}


def _sort_key(key, documents):
    """A sort key for ``key``: plain values where it can (``_plain_sort_key``),
    else mongomock's general BSON ordering, which is many times slower."""
    return _plain_sort_key(key, documents) or (
        lambda doc: filtering.resolve_sort_key(key, doc))


def _plain_sort_key(key, documents):
    """A sort key of plain values, when every document holds one of a single
    comparable type under ``key`` (or none, which MongoDB sorts first); else None."""
    if "." in key:
        return None
    types = {type(doc.get(key)) for doc in documents} - {type(None)}
    if types == {ObjectId}:
        # Compared as their bytes, in C, rather than by ObjectId's own methods.
        return lambda doc: (doc.get(key) is not None, getattr(doc.get(key), "binary", b""))
    if len(types) <= 1 and types <= SIMPLE_SORT_TYPES:
        return lambda doc: (doc.get(key) is not None, doc.get(key))
    return None


for _name in READ_OPERATIONS + WRITE_OPERATIONS:
    setattr(EmbeddedCollection, _name,
            _operation(getattr(EmbeddedCollection, _name), _name in WRITE_OPERATIONS))


class EmbeddedDatabase(Database):
    def get_collection(self, name, codec_options=None, read_preference=None,
                       write_concern=None, read_concern=None):
        if name not in self._collection_accesses:
            self._ensure_valid_collection_name(name)
            self._collection_accesses[name] = EmbeddedCollection(
                self, name=name, read_preference=read_preference or self.read_preference,
                codec_options=codec_options or self._codec_options, _db_store=self._store)
        return self._collection_accesses[name]

    def create_collection(self, name, **kwargs):
        with self.client.operation("create_collection", name, writes=True):
            return super().create_collection(name, **kwargs)

    def drop_collection(self, name_or_collection, session=None):
        name = getattr(name_or_collection, "name", name_or_collection)
        with self.client.operation("drop_collection", name, writes=True):
            return super().drop_collection(name_or_collection, session)


class EmbeddedClient(mongomock.MongoClient):
    """mongomock's client, with our collections.

    ``persistence`` is an ``EmbeddedFile`` (or None: in memory only), opened
    when a database is first asked for, after which ``on_open()`` runs once
    (the app creates its indexes there) and ``description`` is logged.
    """

    def __init__(self, *args, persistence=None, on_open=None, description="embedded store",
                 **kwargs):
        super().__init__(*args, _store=TrackedServerStore(track=persistence is not None),
                         **kwargs)
        self.persistence = persistence
        self.store_lock = threading.RLock()
        self._on_open = on_open
        self._description = description
        self._opened = False

    def get_database(self, name=None, codec_options=None, read_preference=None,
                     write_concern=None, read_concern=None):
        self._open()
        if name is None:
            return self.get_default_database()
        if name not in self._database_accesses:
            self._database_accesses[name] = EmbeddedDatabase(
                self, name, read_preference=read_preference or self.read_preference,
                codec_options=codec_options or self._codec_options, _store=self._store[name])
        return self._database_accesses[name]

    def _open(self):
        if self._opened:
            return
        with self.store_lock:
            if self._opened:
                return
            if self.persistence:
                self.persistence.open(self._store, self.store_lock)
            # Set before on_open, which reads and writes through this client.
            self._opened = True
            log.info("database: %s", self._description)
            if self._on_open:
                self._on_open()

    @contextlib.contextmanager
    def operation(self, name, collection, writes):
        """One operation: run under the store lock, counted and timed once, and,
        for a write, committed to the file before it returns.

        mongomock's methods call one another (``find_one`` calls ``find``); only
        the outermost call is an operation. Its commit runs after the store lock
        is let go, so readers do not wait on the disk; the commit lock, taken
        before, keeps the commits in the order of the writes. So a reader may see
        a write a moment before it is in the file, as MongoDB's default read
        concern may, but a write is acknowledged only once it is, and only after
        every write it could have seen.
        """
        depth = getattr(_depth, "value", 0)
        _depth.value = depth + 1
        finish = None
        try:
            with Stopwatch() as watch:
                try:
                    with self.store_lock:
                        try:
                            yield
                        finally:
                            if writes and depth == 0 and self.persistence:
                                finish = self.persistence.start_commit()
                finally:
                    _depth.value = depth
                    if finish is not None:
                        finish()
        finally:
            if depth == 0:
                record_operation(name, collection, watch.seconds)

    def bulk_writes(self):
        """Many writes in a row from one thread: committed together, at the end."""
        if self.persistence:
            return self.persistence.deferred()
        return contextlib.nullcontext()

    def close_store(self):
        if self.persistence and self._opened:
            self.persistence.close()


def _has_dotted(document, key):
    try:
        helpers.get_value_by_dot(document, key)
    except KeyError:
        return False
    return True
