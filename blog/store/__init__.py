"""The database connection and the embedded store.

This package owns connecting to MongoDB in one of the three modes
(``connection``), the embedded store that stands in for a server when none is
configured (``embedded``, its file in ``embedded_file``, and the shortcuts it
takes in ``plans``), and the counting of every database operation
(``operations``, with pymongo's monitoring in ``monitoring``). It does not
import Flask: the app installs its per-request timing as a hook, so a script
with no app can use the store too.
"""
