"""The embedded store's earlier format: one JSON file, imported once.

Versions before the SQLite file kept the whole store as MongoDB Extended JSON,
``{"format": 1, "databases": {name: {collection: [documents]}}}``, at
``instance/embedded-db.json`` by default. ``embedded_file`` builds the SQLite
file from it beside the target, and ``set_aside`` puts that in place and keeps
the JSON file as ``*.imported``, in an order where a crash at any point leaves
either the JSON store or the finished database at the configured path.
"""
import os
import shutil

from bson import json_util
from bson.json_util import JSONOptions

FORMAT = 1


def looks_like_json(header):
    return header.lstrip().startswith(b"{")


def read(path):
    """``{database: {collection: [documents]}}`` from a JSON store; ValueError if it is not one."""
    with open(path, encoding="utf-8") as source:
        data = json_util.loads(source.read(), json_options=JSONOptions(tz_aware=False))
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a JSON store of format {FORMAT}")
    databases = data.get("databases")
    if not isinstance(databases, dict) or not all(
            isinstance(collections, dict) and all(isinstance(documents, list)
                                                  for documents in collections.values())
            for collections in databases.values()):
        raise ValueError("its databases are not collections of documents")
    return databases


def set_aside(source, built, target):
    """Move the database ``built`` to ``target`` and keep ``source`` as ``*.imported``;
    returns the name it is kept under."""
    kept = _free_name(source + ".imported")
    if source == target:
        # The JSON file gets its second name before the database replaces the first.
        try:
            os.link(source, kept)
        except OSError:
            shutil.copyfile(source, kept)
        os.replace(built, target)
    else:
        os.replace(built, target)
        os.replace(source, kept)
    for folder in {os.path.dirname(target), os.path.dirname(source)}:
        _sync_folder(folder)
    return kept


def _free_name(name):
    candidate, number = name, 1
    while os.path.lexists(candidate):
        number += 1
        candidate = f"{name}.{number}"
    return candidate


def _sync_folder(folder):
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
