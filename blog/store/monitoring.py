"""pymongo's monitoring of a real server: each command counted, topology changes logged."""
import logging

from pymongo import monitoring

from blog.store.operations import record_operation

log = logging.getLogger("blog.db")


class CommandLogger(monitoring.CommandListener):
    """Each command, counted. Listeners run in the thread that issued the
    command, so the hook sees the request that caused it."""

    def started(self, event):
        pass

    def succeeded(self, event):
        # Counted, but its wait is not time spent working.
        seconds = 0 if _idle_wait(event) else event.duration_micros / 1e6
        record_operation(event.command_name, event.database_name, seconds)

    def failed(self, event):
        log.warning("database command %s failed after %.1f ms: %s", event.command_name,
                    event.duration_micros / 1000, event.failure.get("errmsg", "error"))
        record_operation(event.command_name, event.database_name, event.duration_micros / 1e6)


def _idle_wait(event):
    """A ``getMore`` that found nothing: a change stream (or tailable cursor) waiting on the
    server for something new, which is idle time, not a slow operation."""
    if event.command_name != "getMore":
        return False
    batch = (event.reply.get("cursor") or {}).get("nextBatch")
    return batch is not None and not batch


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
