"""``GET /healthz``: whether the database and the cache answer."""
import logging

from flask import Blueprint, current_app, jsonify
from pymongo.errors import PyMongoError

from blog.extensions import cache
from blog.store import connection

bp = Blueprint("health", __name__)
log = logging.getLogger("blog.health")


@bp.route("/healthz")
def healthz():
    try:
        connection.ping()
        database = "ok"
    except PyMongoError as error:
        log.warning("health check: database unreachable: %s", error)
        database = "down"
    cache_state = _cache_state()
    healthy = database == "ok"
    body = {"status": "ok" if healthy and cache_state != "down" else
            ("degraded" if healthy else "down"),
            "database": database, "cache": cache_state}
    headers = {"Cache-Control": "no-store"}
    if not healthy:
        headers["Retry-After"] = "5"
    return jsonify(body), 200 if healthy else 503, headers


def _cache_state():
    if not current_app.config.get("REDIS_URL"):
        return "in-process"
    try:
        cache.cache._write_client.ping()
        return "ok"
    except Exception as error:  # any failure of the cache client means it is down
        log.warning("health check: cache unreachable: %s", error)
        return "down"
