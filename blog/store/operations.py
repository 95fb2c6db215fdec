"""Counting and timing of database operations.

Every operation, on the embedded store or a real server, is reported to
``record_operation``. What happens to it is up to the hook the app installs
with ``set_hook`` (it counts operations per request and logs slow ones); with
no hook installed, as in a script, nothing is recorded.
"""
import time

_hook = None


def set_hook(hook):
    """``hook(name, collection, seconds)`` for each operation; ``name`` None for time
    spent on an operation already counted (a cursor reading its results)."""
    global _hook
    _hook = hook


def record_operation(name, collection, seconds):
    if _hook is not None:
        _hook(name, collection, seconds)


def add_time_to_last_operation(seconds):
    """Cursors run lazily: their time is added to the find that made them."""
    if _hook is not None:
        _hook(None, None, seconds)


class Stopwatch:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        return False
