"""The embedded store's file: an SQLite database of the engine's documents.

Each collection is a table named ``<database>.<collection>`` holding its
documents as BSON, keyed by their ``_id``. Start-up reads every table into the
engine; after each write operation the documents it inserted, changed or
removed (``changes``) are written and committed, in WAL mode with
``synchronous=FULL``, before the operation returns: a write that returned
survives the process being killed, and costs what it changed, whatever the
size of the store. A store of the earlier format, one JSON file, is imported
once (``earlier``). An exclusive lock on a ``.lock`` file beside the database
keeps a second process out.
"""
import atexit
import contextlib
import fcntl
import gc
import logging
import os
import sqlite3
import threading

import bson
from bson.codec_options import CodecOptions
from bson.errors import InvalidDocument

from blog.store import earlier

log = logging.getLogger("blog.db")

FORMAT = 1
SQLITE_HEADER = b"SQLite format 3\x00"
# As the engine keeps them: naive UTC datetimes, plain dicts.
CODEC = CodecOptions(tz_aware=False)


class EmbeddedStoreBusy(RuntimeError):
    """Another process holds the embedded store."""


class EmbeddedStoreUnreadable(RuntimeError):
    """The file at EMBEDDED_DB_PATH is not an embedded store this version can read."""


class EmbeddedStoreUnwritable(RuntimeError):
    """A write could not be committed to the file (a full disk, say): it is not
    acknowledged, and goes to the file with the next write that can be."""


def _busy_message(path, holder):
    """One line: which process holds the store, and how to let go of it."""
    if holder.isdigit():
        who, stop = f"process {holder}", f"Ctrl-C where it runs, or kill {holder}"
    else:
        who, stop = "another process", "Ctrl-C where it runs"
    return (f"The embedded store {path} is already open in {who}, and it serves one "
            f"process at a time: stop that one ({stop}) and try again, or set MONGODB_URI "
            f"to use a MongoDB server.")


class EmbeddedFile:
    """The file behind one embedded store: opened once, written after every write."""

    def __init__(self, path, earlier_path=None):
        self.path = os.path.abspath(path)
        self.earlier_path = os.path.abspath(earlier_path) if earlier_path else None
        # Taken while the store lock is held and kept after it is let go, so
        # commits happen in the order of the writes without making readers wait.
        self.commit_lock = threading.Lock()
        self._store = None
        self._store_lock = None
        self._db = None
        self._lock_file = None
        self._deferring = None

    def open(self, store, store_lock):
        """Take the process lock, import an earlier JSON store if there is one, and
        load every table into ``store``."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self._acquire_process_lock()
        try:
            self._import_earlier()
            self._db = connect(self.path)
            self._load(store)
            # The documents live as long as the process: the cycle collector need not
            # walk them all again (a pause of every thread) each time it looks at the old.
            gc.freeze()
        except BaseException:
            self._release_process_lock()
            raise
        self._store, self._store_lock = store, store_lock
        atexit.register(self.close)
        return self

    def _acquire_process_lock(self):
        handle = open(self.path + ".lock", "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip()
            handle.close()
            raise EmbeddedStoreBusy(_busy_message(self.path, holder)) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def _release_process_lock(self):
        if self._lock_file:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _import_earlier(self):
        source = self._earlier_source()
        if source is None:
            return
        try:
            databases = earlier.read(source)
        except ValueError as error:
            raise EmbeddedStoreUnreadable(f"Could not import {source}: {error}") from None
        building = self.path + ".importing"
        _remove(building)
        db = connect(building, wal=False)
        try:
            with transaction(db):
                for db_name, collections in databases.items():
                    for name, documents in collections.items():
                        table = quoted(f"{db_name}.{name}")
                        db.execute(create_table(table))
                        db.executemany(upsert(table), (
                            (key_blob(document["_id"]), bson.encode(document))
                            for document in documents))
        finally:
            db.close()
        kept = earlier.set_aside(source, building, self.path)
        count = sum(len(documents) for collections in databases.values()
                    for documents in collections.values())
        log.warning("imported %d documents from the JSON store %s into %s; the JSON file is "
                    "kept as %s", count, source, self.path, kept)

    def _earlier_source(self):
        """The JSON store to import: at the configured path, or at the earlier default
        when nothing is at the configured path yet; None when there is none."""
        if os.path.exists(self.path):
            with open(self.path, "rb") as stored:
                header = stored.read(len(SQLITE_HEADER))
            if not header or header == SQLITE_HEADER:
                return None
            if earlier.looks_like_json(header):
                return self.path
            raise EmbeddedStoreUnreadable(
                f"{self.path} is neither an SQLite database nor a JSON store: set "
                f"EMBEDDED_DB_PATH to the embedded store's file.")
        if self.earlier_path and os.path.isfile(self.earlier_path):
            with open(self.earlier_path, "rb") as stored:
                if earlier.looks_like_json(stored.read(16)):
                    return self.earlier_path
        return None

    def _load(self, store):
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > FORMAT:
            raise EmbeddedStoreUnreadable(
                f"{self.path} was written by a newer version of Inkwell (format {version}).")
        if version < FORMAT:
            self._db.execute(f"PRAGMA user_version = {FORMAT}")
        tables = [name for (name,) in self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE '%.%'")]
        for table in tables:
            db_name, _, collection = table.partition(".")
            rows = self._db.execute(select_all(quoted(table)))
            store[db_name][collection].load(bson.decode(blob, CODEC) for (blob,) in rows)

    @contextlib.contextmanager
    def deferred(self):
        """Writes from this thread are committed together at the end, not one by one:
        for loading many documents from a command."""
        self._deferring = threading.get_ident()
        try:
            yield
        finally:
            self._deferring = None
            self.commit()

    def commit(self):
        """Write whatever changed and has not been written yet."""
        with self._store_lock:
            finish = self.start_commit()
        if finish:
            finish()

    def start_commit(self):
        """With the store lock held, after a write: read what changed and take the
        commit lock. Returns the function that writes it, to be called once the
        store lock is let go; None when there is nothing to write."""
        if self._db is None or self._deferring == threading.get_ident():
            return None
        changes = self._store.take_changes()
        if not changes:
            return None
        try:
            statements = self._statements(changes)
        except BaseException:
            self._store.restore_changes(changes)
            raise
        self.commit_lock.acquire()

        def finish():
            try:
                with transaction(self._db):
                    for sql, rows in statements:
                        self._db.executemany(sql, rows)
            except (sqlite3.Error, OSError) as error:
                self._failed(changes)
                log.error("could not write to the embedded store %s: %s", self.path, error)
                raise EmbeddedStoreUnwritable(
                    f"Could not write to the embedded store {self.path}: {error}") from error
            except BaseException:
                self._failed(changes)
                raise
            self.commit_lock.release()
        return finish

    def _failed(self, changes):
        # The commit lock first: a writer waiting for it holds the store lock.
        self.commit_lock.release()
        with self._store_lock:
            self._store.restore_changes(changes)

    def _statements(self, changes):
        """The SQL that writes ``changes``, as ``(statement, rows)`` pairs."""
        statements = []
        for (db_name, name), change in changes.items():
            table = quoted(f"{db_name}.{name}")
            if change.reset:
                statements.append((f"DROP TABLE IF EXISTS {table}", [()]))
            collection = self._store[db_name][name]
            if not collection.is_created:
                continue
            statements.append((create_table(table), [()]))
            written, removed = [], []
            documents = collection._documents
            for key in list(change.keys):
                document = documents.get(key)
                if document is None:
                    removed.append((key_blob(key),))
                    continue
                try:
                    written.append((key_blob(key), bson.encode(document)))
                except (InvalidDocument, OverflowError, TypeError, ValueError) as error:
                    # Not noted again: it would fail every write after this one.
                    change.keys.discard(key)
                    raise EmbeddedStoreUnwritable(
                        f"A document of {db_name}.{name} ({key!r}) cannot be stored as BSON: "
                        f"{error}") from error
            if written:
                statements.append((upsert(table), written))
            if removed:
                statements.append((delete(table), removed))
        return statements

    def close(self):
        """Write what is left, close the database and let go of the lock."""
        if self._db is None:
            return
        try:
            self.commit()
        finally:
            with self.commit_lock:
                self._db.close()
                self._db = None
            self._release_process_lock()
            atexit.unregister(self.close)


def connect(path, wal=True):
    """An SQLite connection to ``path``, created readable by its owner only."""
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    return db


@contextlib.contextmanager
def transaction(db):
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# The statements on one collection's table: ``table`` is always a collection's
# name made an SQL identifier by ``quoted``, and every value is a parameter.

def quoted(name):
    return '"' + name.replace('"', '""') + '"'


def create_table(table):
    return f"CREATE TABLE IF NOT EXISTS {table} (id BLOB PRIMARY KEY, document BLOB NOT NULL)"


def select_all(table):
    return f"SELECT document FROM {table} ORDER BY rowid"  # nosec B608: quoted table name


def upsert(table):
    # An update keeps the row where it is, so loading keeps the natural order.
    on_conflict = "ON CONFLICT (id) DO UPDATE SET document = excluded.document"
    return f"INSERT INTO {table} VALUES (?, ?) {on_conflict}"  # nosec B608: quoted table name


def delete(table):
    return f"DELETE FROM {table} WHERE id = ?"  # nosec B608: quoted table name


def key_blob(key):
    """The table key of a document: its ``_id`` as BSON."""
    return bson.encode({"_id": key})


def _remove(path):
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)
