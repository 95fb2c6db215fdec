"""Database operations counted and timed per request, for the ``Server-Timing`` header.

The store reports every operation to the hook installed here; operations
slower than ``SLOW_QUERY_MS`` are logged as warnings, and with ``LOG_QUERIES``
every operation is logged (off by default: one page costs a few operations, a
command such as ``seed demo`` thousands).
"""
import logging

from flask import current_app, g, has_app_context, has_request_context

from blog.store import operations

log = logging.getLogger("blog.db")


def init_app(app):
    operations.set_hook(_record)
    app.before_request(_start_request)
    app.after_request(_add_header)


def _record(name, collection, seconds):
    if not has_app_context():
        return
    millis = seconds * 1000
    if has_request_context():
        if name is not None:
            g.db_operations = g.get("db_operations", 0) + 1
        g.db_millis = g.get("db_millis", 0.0) + millis
    if name is None:
        return
    if millis >= current_app.config["SLOW_QUERY_MS"]:
        log.warning("slow database operation: %s on %s took %.1f ms", name, collection, millis)
    elif current_app.config["LOG_QUERIES"]:
        log.info("%s on %s: %.1f ms", name, collection, millis)


def _start_request():
    g.db_operations = 0
    g.db_millis = 0.0


def _add_header(response):
    response.headers["Server-Timing"] = server_timing_value(g.get("db_operations", 0),
                                                            g.get("db_millis", 0.0))
    return response


def server_timing_value(operations_count, millis):
    return f'db;desc="{operations_count} operations";dur={millis:.1f}'
