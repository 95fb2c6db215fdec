"""The embedded store's file.

Loaded from MongoDB Extended JSON at start, written back atomically (temporary
file, fsync, rename) shortly after each change and at exit. An exclusive lock
on a ``.lock`` file beside it keeps a second process out: the data file itself
is replaced at every write, so locking it would not hold.
"""
import atexit
import contextlib
import fcntl
import logging
import os
import tempfile
import threading

import mongomock
from bson import json_util
from bson.json_util import JSONOptions

log = logging.getLogger("blog.db")


class EmbeddedStoreBusy(RuntimeError):
    """Another process holds the embedded store."""


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
    """The embedded store's file: loaded once, written back after changes."""

    FORMAT = 1

    def __init__(self, path, flush_delay=0.5):
        self.path = os.path.abspath(path)
        self.flush_delay = flush_delay
        self.lock = threading.RLock()
        self.store = mongomock.store.ServerStore()
        self._dirty = threading.Event()
        self._closed = threading.Event()
        self._lock_file = None
        self._flusher = None
        self._deferred = False
        self._save_lock = threading.Lock()

    def open(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self._acquire_process_lock()
        self._load()
        self._flusher = threading.Thread(target=self._flush_loop, name="embedded-store-flush",
                                         daemon=True)
        self._flusher.start()
        atexit.register(self.close)
        return self

    def _acquire_process_lock(self):
        lock_path = self.path + ".lock"
        handle = open(lock_path, "a+")
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

    def _load(self):
        if not os.path.exists(self.path):
            return
        with open(self.path, encoding="utf-8") as source:
            data = json_util.loads(source.read(), json_options=JSONOptions(tz_aware=False))
        client = mongomock.MongoClient(_store=self.store)
        for db_name, collections in data["databases"].items():
            for collection_name, documents in collections.items():
                if documents:
                    client[db_name][collection_name].insert_many(documents)
                else:
                    client[db_name].create_collection(collection_name)

    def changed(self):
        if not self._deferred:
            self._dirty.set()

    @contextlib.contextmanager
    def deferred(self):
        """Write the file once at the end of a bulk load rather than all through it."""
        self._deferred = True
        try:
            yield
        finally:
            self._deferred = False
            self.save()

    def _flush_loop(self):
        while not self._closed.is_set():
            self._dirty.wait()
            if self._closed.wait(self.flush_delay):
                return
            self._dirty.clear()
            try:
                self.save()
            except OSError:
                log.exception("could not write the embedded store to %s", self.path)
                self._dirty.set()

    def save(self):
        """Write the whole store to the file; one save at a time."""
        with self._save_lock:
            self._save()

    def _save(self):
        parts = []
        for db_name in self.store._databases:
            db_store = self.store[db_name]
            collections = []
            for name in db_store.list_created_collection_names():
                with self.lock:
                    documents = json_util.dumps(list(db_store[name]._documents.values()),
                                                json_options=json_util.RELAXED_JSON_OPTIONS)
                collections.append(f"{json_util.dumps(name)}: {documents}")
            parts.append(f"{json_util.dumps(db_name)}: {{{', '.join(collections)}}}")
        text = f'{{"format": {self.FORMAT}, "databases": {{{", ".join(parts)}}}}}'
        handle, temporary = tempfile.mkstemp(prefix=".embedded-", suffix=".tmp",
                                             dir=os.path.dirname(self.path))
        with os.fdopen(handle, "w", encoding="utf-8") as target:
            target.write(text)
            target.flush()
            os.fsync(target.fileno())
        os.replace(temporary, self.path)
        directory = os.open(os.path.dirname(self.path), os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    def close(self):
        if self._closed.is_set():
            return
        self._closed.set()
        self._dirty.set()
        if self._flusher and self._flusher is not threading.current_thread():
            self._flusher.join(timeout=5)
        try:
            self.save()
        finally:
            if self._lock_file:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)
                self._lock_file.close()
                self._lock_file = None
        atexit.unregister(self.close)
