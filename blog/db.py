"""Connecting to the database in one of three modes (DESIGN §2).

- ``MONGODB_URI`` unset: the embedded store, kept in ``EMBEDDED_DB_PATH``;
- ``mongomock://name``: the embedded engine in memory only (tests);
- ``mongodb://`` or ``mongodb+srv://``: a real server.
"""
import contextlib
import logging
from urllib.parse import urlsplit

import click
import mongoengine
from werkzeug.serving import is_running_from_reloader
from mongoengine.connection import get_db

from blog.embedded import EmbeddedClient
from blog.embedded_file import EmbeddedFile
from blog.instrumentation import listeners

log = logging.getLogger("blog.db")

EMBEDDED, MEMORY, SERVER = "embedded", "memory", "server"
DEFAULT_DB_NAME = "blog"


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


def connect_db(app):
    """Connect the default mongoengine alias as the app's config says."""
    uri = app.config.get("MONGODB_URI")
    mode = database_mode(uri)
    mongoengine.disconnect()
    if mode == SERVER:
        # Without a database in the URI, mongoengine would write to one called "test".
        mongoengine.connect(
            db=urlsplit(uri).path.strip("/") or DEFAULT_DB_NAME,
            host=uri, connect=False, tz_aware=True, uuidRepresentation="standard",
            maxPoolSize=app.config["MONGODB_MAX_POOL_SIZE"],
            serverSelectionTimeoutMS=app.config["MONGODB_TIMEOUT_MS"],
            connectTimeoutMS=app.config["MONGODB_TIMEOUT_MS"],
            socketTimeoutMS=app.config["MONGODB_SOCKET_TIMEOUT_MS"],
            event_listeners=listeners(),
        )
        log.info("database: MongoDB server %s", _without_password(uri))
    else:
        persistence = None
        watcher = mode == EMBEDDED and _in_reloader_parent(app)
        if watcher:
            # The debug reloader's parent only watches files; its child opens the store.
            mode = MEMORY
        elif mode == EMBEDDED:
            persistence = EmbeddedFile(app.config["EMBEDDED_DB_PATH"]).open()
            app.extensions["embedded_file"] = persistence
        mongoengine.connect(
            db=_memory_db_name(uri), host="mongodb://localhost", tz_aware=True,
            uuidRepresentation="standard", mongo_client_class=EmbeddedClient,
            persistence=persistence,
        )
        ensure_indexes()
        if mode == EMBEDDED:
            log.info("database: embedded store in %s", persistence.path)
        elif not watcher:
            log.info("database: in memory (%s)", uri)
    app.extensions["database_mode"] = mode
    return mode


def _memory_db_name(uri):
    if not uri:
        return DEFAULT_DB_NAME
    parts = urlsplit(uri)
    return parts.netloc or parts.path.strip("/") or DEFAULT_DB_NAME


def _in_reloader_parent(app):
    context = click.get_current_context(silent=True)
    if context is None or context.info_name != "run" or is_running_from_reloader():
        return False
    reload = context.params.get("reload")
    return app.debug if reload is None else reload


def disconnect_db(app):
    mongoengine.disconnect()
    persistence = app.extensions.pop("embedded_file", None)
    if persistence:
        persistence.close()


@contextlib.contextmanager
def bulk_writes(app):
    """Many writes in a row: the embedded store's file is written once, at the end."""
    persistence = app.extensions.get("embedded_file")
    with persistence.deferred() if persistence else contextlib.nullcontext():
        yield


def document_classes():
    from blog import models
    return models.ALL


def ensure_indexes():
    for document in document_classes():
        document.ensure_indexes()


def ping():
    """Raise if the database cannot be reached."""
    get_db().command("ping")


def supports_transactions():
    """True on a replica set or sharded cluster, where sessions and transactions exist."""
    client = get_db().client
    if isinstance(client, EmbeddedClient):
        return False
    hello = client.admin.command("hello")
    return bool(hello.get("setName") or hello.get("msg") == "isdbgrid")


def supports_change_streams():
    """Change streams need what transactions need: a replica set or a sharded cluster."""
    return supports_transactions()


def _without_password(uri):
    parts = urlsplit(uri)
    if parts.password:
        return uri.replace(f":{parts.password}@", ":***@")
    return uri
