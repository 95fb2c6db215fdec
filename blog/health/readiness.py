"""What a request on a MongoDB server checks before it runs.

- A primary answers, within the short server selection timeout: inside the
  request's deadline (``blog.web.deadline``) the driver would wait for one as
  long as the deadline allows. This costs nothing while a primary is known.
- The unique indexes exist (``blog.services.indexes``), checked until they
  do, once per process after that: without them the blog refuses to serve.
"""
from flask import current_app, request

from blog.services import indexes
from blog.store import connection

# Endpoints that need no database, or that report its state themselves.
WITHOUT_CHECK = ("static", "health.healthz")


def init_app(app):
    app.before_request(_check_database)


def _check_database():
    if (current_app.extensions["database_mode"] != connection.SERVER
            or request.endpoint in WITHOUT_CHECK):
        return
    connection.check_reachable()
    if not current_app.extensions.get("unique_indexes_present"):
        indexes.require_unique_indexes()
        current_app.extensions["unique_indexes_present"] = True
