"""Connecting to the database in one of three modes (docs/architecture.md).

- ``MONGODB_URI`` unset: the embedded store, kept in ``EMBEDDED_DB_PATH``;
- ``mongomock://name``: the embedded engine in memory only (tests);
- ``mongodb://`` or ``mongodb+srv://``: a real server.

Connecting registers the connection: a server's client connects on first use
(safe across gunicorn's fork), and the embedded store takes its lock and loads
its file (importing a JSON store of the earlier format first) on first use, so
a process that never touches the database (the debug reloader's watcher,
``flask --help``) leaves the store to the one that does. gunicorn's workers
open it as they start (gunicorn.conf.py), so a second server on the same store
stops at once.
"""
import contextlib
import logging
from urllib.parse import urlsplit

import mongoengine
import pymongo
from mongoengine.connection import DEFAULT_CONNECTION_NAME, get_db

from blog.store.embedded import EmbeddedClient
from blog.store.embedded_file import EmbeddedFile
from blog.store.monitoring import listeners

log = logging.getLogger("blog.db")

EMBEDDED, MEMORY, SERVER = "embedded", "memory", "server"
DEFAULT_DB_NAME = "blog"


class AlreadyConnected(RuntimeError):
    """Another app in this process holds the database connection."""


def database_mode(uri):
    if not uri:
        return EMBEDDED
    scheme = urlsplit(uri).scheme
    if scheme == "mongomock":
        return MEMORY
    if scheme in ("mongodb", "mongodb+srv"):
        return SERVER
    raise ValueError(f"MONGODB_URI must start with mongodb://, mongodb+srv:// or mongomock://, "
                     f"not {scheme or uri!r}")


def connect(settings, on_open=None):
    """Register the default mongoengine connection as ``settings`` (an app's config) say.

    ``on_open()`` runs once the embedded engine has its data (it creates the
    indexes there); a server's indexes come from ``flask db ensure-indexes``.
    Returns the mode. Raises AlreadyConnected while another app is connected.
    """
    if DEFAULT_CONNECTION_NAME in mongoengine.connection._connection_settings:
        raise AlreadyConnected(
            "Another app in this process is connected to the database: disconnect it first.")
    uri = settings.get("MONGODB_URI")
    mode = database_mode(uri)
    if mode == SERVER:
        # Without a database in the URI, mongoengine would write to one called "test".
        mongoengine.connect(
            db=urlsplit(uri).path.strip("/") or DEFAULT_DB_NAME,
            host=uri, connect=False, tz_aware=True, uuidRepresentation="standard",
            maxPoolSize=settings["MONGODB_MAX_POOL_SIZE"],
            serverSelectionTimeoutMS=settings["MONGODB_TIMEOUT_MS"],
            connectTimeoutMS=settings["MONGODB_CONNECT_TIMEOUT_MS"],
            socketTimeoutMS=settings["MONGODB_SOCKET_TIMEOUT_MS"],
            event_listeners=listeners(),
        )
        log.info("database: MongoDB server %s", _without_password(uri))
        return mode
    persistence = None
    if mode == EMBEDDED:
        persistence = EmbeddedFile(settings["EMBEDDED_DB_PATH"],
                                   settings.get("EARLIER_EMBEDDED_DB_PATH"))
    mongoengine.connect(
        db=_memory_db_name(uri), host="mongodb://localhost", tz_aware=True,
        uuidRepresentation="standard", mongo_client_class=EmbeddedClient,
        persistence=persistence, on_open=on_open,
        description=f"embedded store in {persistence.path}" if persistence else
        f"in memory ({uri})")
    if mode == MEMORY:
        # Nothing to lock or load: ready at once, indexes and all.
        get_db()
    return mode


def _memory_db_name(uri):
    if not uri:
        return DEFAULT_DB_NAME
    parts = urlsplit(uri)
    return parts.netloc or parts.path.strip("/") or DEFAULT_DB_NAME


def disconnect():
    """Close the connection; the embedded store closes its file and lets go of its lock."""
    client = mongoengine.connection._connections.get(DEFAULT_CONNECTION_NAME)
    mongoengine.disconnect()
    if isinstance(client, EmbeddedClient):
        client.close_store()


def client():
    """The connected client (opening the embedded store if it is not open yet)."""
    return get_db().client


def bulk_writes():
    """A context for many writes in a row from one thread (a command loading data): the
    embedded store commits them together at the end rather than one by one."""
    connected = client()
    if isinstance(connected, EmbeddedClient):
        return connected.bulk_writes()
    return contextlib.nullcontext()


def ping():
    """Raise if the database cannot be reached (within the server selection timeout)."""
    connected = client()
    quickly = (None if isinstance(connected, EmbeddedClient)
               else connected.options.server_selection_timeout)
    with pymongo.timeout(quickly):
        get_db().command("ping")


def check_reachable():
    """Raise within the server selection timeout when no primary is known and none answers.

    Inside ``pymongo.timeout`` (a request's deadline) the driver waits for a
    server as long as the deadline allows, not ``serverSelectionTimeoutMS``: this
    keeps the answer quick while the database is down or electing a primary. It
    costs nothing while a primary is known.
    """
    connected = client()
    if isinstance(connected, EmbeddedClient) or connected.topology_description.has_writable_server():
        return
    ping()


def supports_transactions():
    """True on a replica set or sharded cluster, where sessions and transactions exist."""
    connected = client()
    if isinstance(connected, EmbeddedClient):
        return False
    hello = connected.admin.command("hello")
    return bool(hello.get("setName") or hello.get("msg") == "isdbgrid")


def supports_change_streams():
    """Change streams need what transactions need: a replica set or a sharded cluster."""
    return supports_transactions()


def _without_password(uri):
    parts = urlsplit(uri)
    if parts.password:
        return uri.replace(f":{parts.password}@", ":***@")
    return uri
