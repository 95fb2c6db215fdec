"""A database written out and read back as canonical Extended JSON lines.

One file per collection, ``<collection>.jsonl``, one document a line, as
``mongoexport --jsonFormat=canonical`` writes and ``mongoimport`` reads, GridFS
(``fs.files``, ``fs.chunks``) included. Reading checks every line of every
file, and the unique keys the documents declare, before the first document is
written, so a folder that cannot be loaded whole is not loaded at all.
Works on any pymongo-like database: a MongoDB server or the embedded store.
"""
import os

import bson
from bson import json_util
from bson.errors import InvalidBSON, InvalidDocument
from bson.json_util import CANONICAL_JSON_OPTIONS, JSONOptions

SUFFIX = ".jsonl"
BATCH = 1000
READ_OPTIONS = JSONOptions(tz_aware=True)


class ExchangeError(ValueError):
    """A folder that cannot be written or read, said for the person who named it."""


def collection_names(db):
    return sorted(name for name in db.list_collection_names() if not name.startswith("system."))


def export(db, folder):
    """Write every collection of ``db`` to ``folder``; returns ``[(collection, count)]``."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ExchangeError(f"{folder} is a file, not a folder.")
    os.makedirs(folder, exist_ok=True)
    if any(name.endswith(SUFFIX) for name in os.listdir(folder)):
        raise ExchangeError(f"{folder} already holds an export: choose a new or empty folder.")
    written = []
    for name in collection_names(db):
        path = os.path.join(folder, name + SUFFIX)
        count = 0
        with open(path + ".part", "w", encoding="utf-8") as target:
            for document in db[name].find():
                target.write(json_util.dumps(document, json_options=CANONICAL_JSON_OPTIONS))
                target.write("\n")
                count += 1
        os.replace(path + ".part", path)
        written.append((name, count))
    return written


def exported_collections(folder):
    """``{collection: path}`` of the export in ``folder``."""
    if not os.path.isdir(folder):
        raise ExchangeError(f"There is no folder {folder}.")
    files = sorted(name for name in os.listdir(folder) if name.endswith(SUFFIX))
    if not files:
        raise ExchangeError(f"{folder} holds no {SUFFIX} files to import.")
    collections = {}
    for file_name in files:
        name = file_name[:-len(SUFFIX)]
        problem = _collection_name_problem(name)
        if problem:
            raise ExchangeError(f"{file_name}: {problem}")
        collections[name] = os.path.join(folder, file_name)
    return collections


def _collection_name_problem(name):
    if not name:
        return "a collection needs a name before .jsonl"
    if name.startswith("system."):
        return "system collections are not imported"
    if "$" in name or "\0" in name or ".." in name or name[0] == "." or name[-1] == ".":
        return "that is not a collection name MongoDB accepts"
    return None


def check(collections, unique_keys):
    """Read every document; ``{collection: count}``, or ExchangeError naming the first
    line that is not a document or repeats a unique key.

    ``unique_keys`` maps a collection to ``(fields, sparse)`` pairs: the unique
    indexes its documents declare (``_id`` is always unique).
    """
    counts = {}
    for name, path in collections.items():
        keys = [(("_id",), True), *unique_keys.get(name, ())]
        seen = [set() for _ in keys]
        count = 0
        for number, document in _documents(path):
            for (fields, sparse), values in zip(keys, seen):
                key = _key(document, fields, sparse)
                if key is None:
                    continue
                if key in values:
                    raise ExchangeError(f"{os.path.basename(path)} line {number}: another "
                                        f"document has the same {', '.join(fields)}.")
                values.add(key)
            count += 1
        counts[name] = count
    return counts


def load(db, collections):
    """Insert the checked documents of ``collections`` into ``db``."""
    existing = set(db.list_collection_names())
    for name, path in collections.items():
        batch, count = [], 0
        for _, document in _documents(path):
            batch.append(document)
            count += 1
            if len(batch) == BATCH:
                db[name].insert_many(batch)
                batch = []
        if batch:
            db[name].insert_many(batch)
        if not count and name not in existing:
            db.create_collection(name)


def _documents(path):
    """``(line number, document)`` for each line of a ``.jsonl`` file, blank lines skipped."""
    file_name = os.path.basename(path)
    with open(path, encoding="utf-8") as source:
        number = 0
        while True:
            try:
                line = source.readline()
            except UnicodeDecodeError:
                raise ExchangeError(f"{file_name} line {number + 1}: not UTF-8 text.") from None
            if not line:
                return
            number += 1
            if not line.strip():
                continue
            yield number, _document(line, f"{file_name} line {number}")


def _document(line, where):
    try:
        document = json_util.loads(line, json_options=READ_OPTIONS)
    except (ValueError, TypeError, InvalidBSON) as error:
        raise ExchangeError(f"{where}: not Extended JSON ({error}).") from None
    if not isinstance(document, dict):
        raise ExchangeError(f"{where}: a line must hold one document, {{…}}.")
    operator = _operator_key(document)
    if operator:
        raise ExchangeError(f"{where}: field names may not start with $ ({operator}).")
    try:
        bson.encode(document)
    except (InvalidDocument, OverflowError, ValueError) as error:
        raise ExchangeError(f"{where}: not a document MongoDB can store ({error}).") from None
    return document


def _operator_key(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key.startswith("$"):
                return key
            found = _operator_key(item)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _operator_key(item)
            if found:
                return found
    return None


def _key(document, fields, sparse):
    values = [_path(document, field) for field in fields]
    if sparse and all(value is _MISSING for value in values):
        return None
    return bson.encode({"key": [None if value is _MISSING else value for value in values]})


_MISSING = object()


def _path(document, field):
    value = document
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value
