"""Counting and timing of database operations, per request.

Every operation, on the embedded store or a real server, is reported to
``record_operation``: it is counted on the request (for the ``Server-Timing``
header), logged in debug, and logged as a warning when slower than
``SLOW_QUERY_MS``.
"""
import logging
import time

from flask import current_app, g, has_app_context, has_request_context
from pymongo import monitoring

log = logging.getLogger("blog.db")


def record_operation(name, collection, seconds):
    if not has_app_context():
        return
    millis = seconds * 1000
    if has_request_context():
        g.db_operations = g.get("db_operations", 0) + 1
        g.db_millis = g.get("db_millis", 0.0) + millis
    if millis >= current_app.config["SLOW_QUERY_MS"]:
        log.warning("slow database operation: %s on %s took %.1f ms", name, collection, millis)
    elif current_app.debug:
        log.debug("%s on %s: %.1f ms", name, collection, millis)


def add_time_to_last_operation(seconds):
    """Cursors run lazily: their time is added to the find that made them."""
    if has_request_context():
        g.db_millis = g.get("db_millis", 0.0) + seconds * 1000


def server_timing(response):
    response.headers["Server-Timing"] = server_timing_value(g.get("db_operations", 0),
                                                            g.get("db_millis", 0.0))
    return response


def server_timing_value(operations, millis):
    return f'db;desc="{operations} operations";dur={millis:.1f}'


class Stopwatch:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        return False


class CommandLogger(monitoring.CommandListener):
    """pymongo's command events, for a real server.

    Listeners run in the thread that issued the command, so the request's
    ``g`` is the right place for the counts.
    """

    def started(self, event):
        pass

    def succeeded(self, event):
        record_operation(event.command_name, event.database_name, event.duration_micros / 1e6)

    def failed(self, event):
        log.warning("database command %s failed after %.1f ms: %s", event.command_name,
                    event.duration_micros / 1000, event.failure.get("errmsg", "error"))
        record_operation(event.command_name, event.database_name, event.duration_micros / 1e6)


class ServerStateLogger(monitoring.ServerListener):
    def opened(self, event):
        log.info("database server %s:%s added to the topology", *event.server_address)

    def description_changed(self, event):
        old, new = event.previous_description.server_type_name, event.new_description.server_type_name
        if old != new:
            # Unknown is every server's state before its first answer, not a change.
            level = logging.INFO if old == "Unknown" else logging.WARNING
            log.log(level, "database server %s:%s changed from %s to %s",
                    *event.server_address, old, new)

    def closed(self, event):
        log.warning("database server %s:%s removed from the topology", *event.server_address)


class PoolStateLogger(monitoring.ConnectionPoolListener):
    def pool_created(self, event):
        log.info("connection pool to %s:%s created", *event.address)

    def pool_ready(self, event):
        log.info("connection pool to %s:%s ready", *event.address)

    def pool_cleared(self, event):
        log.warning("connection pool to %s:%s cleared", *event.address)

    def pool_closed(self, event):
        log.info("connection pool to %s:%s closed", *event.address)

    def connection_created(self, event):
        pass

    def connection_ready(self, event):
        pass

    def connection_closed(self, event):
        pass

    def connection_check_out_started(self, event):
        pass

    def connection_check_out_failed(self, event):
        log.warning("no connection to %s:%s: %s", *event.address, event.reason)

    def connection_checked_out(self, event):
        pass

    def connection_checked_in(self, event):
        pass


def listeners():
    return [CommandLogger(), ServerStateLogger(), PoolStateLogger()]
