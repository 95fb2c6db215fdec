"""Which stored documents the writes changed since they were last written to the file.

mongomock keeps each collection's documents in a dict and updates them in
place. These stores note the key of every document a write inserts, replaces,
changes or removes, and every collection dropped or created, so that the
store's file (``embedded_file``) writes only those. A store made with
``track=False`` (in memory only, nothing written) notes nothing.
"""
from mongomock.helpers import hashdict
from mongomock.store import CollectionStore, DatabaseStore, ServerStore


class Change:
    """What happened to one collection: dropped first (``reset``), then the
    documents under ``keys`` written or removed."""

    def __init__(self):
        self.reset = False
        self.keys = set()


class TrackedServerStore(ServerStore):
    def __init__(self, track=True):
        super().__init__()
        self.track = track
        self._changes = {}

    def __getitem__(self, db_name):
        try:
            return self._databases[db_name]
        except KeyError:
            database = self._databases[db_name] = TrackedDatabaseStore(self, db_name)
            return database

    def change(self, db_name, collection_name):
        """The pending Change of a collection, or None when nothing is tracked."""
        if not self.track:
            return None
        return self._changes.setdefault((db_name, collection_name), Change())

    def take_changes(self):
        """The pending changes, ``{(database, collection): Change}``, forgotten here."""
        changes, self._changes = self._changes, {}
        return changes

    def restore_changes(self, changes):
        """Put back changes that could not be written, to be written with the next ones."""
        for name, change in changes.items():
            pending = self._changes.setdefault(name, Change())
            pending.reset = pending.reset or change.reset
            pending.keys |= change.keys


class TrackedDatabaseStore(DatabaseStore):
    def __init__(self, server, name):
        super().__init__()
        self.server = server
        self.name = name

    def __getitem__(self, col_name):
        try:
            return self._collections[col_name]
        except KeyError:
            collection = self._collections[col_name] = TrackedCollectionStore(self, col_name)
            return collection

    def rename(self, name, new_name):
        super().rename(name, new_name)
        self[name].drop()
        renamed = self[new_name]
        renamed.noted_reset()
        for key in renamed._documents:
            renamed.noted(key)


class TrackedCollectionStore(CollectionStore):
    def __init__(self, database, name):
        super().__init__(name)
        self.database = database

    def _change(self):
        return self.database.server.change(self.database.name, self.name)

    def noted(self, key):
        """Note that the document stored under ``key`` changed (or went)."""
        change = self._change()
        if change is not None:
            change.keys.add(key)

    def noted_document(self, document):
        """Note a document changed in place, by its ``_id``."""
        self.noted(store_key(document["_id"]))

    def noted_reset(self):
        change = self._change()
        if change is not None:
            change.reset = True
            change.keys.clear()

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.noted(key)

    def __delitem__(self, key):
        super().__delitem__(key)
        self.noted(key)

    def create(self):
        super().create()
        self._change()

    def drop(self):
        super().drop()
        self.noted_reset()

    def load(self, documents):
        """Documents read from the file, stored as they are and not noted as changed."""
        self.create()
        for document in documents:
            self._documents[store_key(document["_id"])] = document


def store_key(document_id):
    """The key mongomock stores a document under: its ``_id``, made hashable."""
    return hashdict(document_id) if isinstance(document_id, dict) else document_id
