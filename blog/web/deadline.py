"""One deadline for all the database operations of a request.

Inside ``pymongo.timeout`` the driver gives each operation what is left of
``MONGODB_REQUEST_TIMEOUT_MS`` (as its socket timeout and the server's
``maxTimeMS``), and refuses one once nothing is left, so a request waits on
a slow or failing server for a bounded time and answers 503, rather than
holding its worker until gunicorn kills it. Commands run outside any request,
with no deadline: `flask db ensure-indexes` may wait for every member of a
replica set to build an index.
"""
import pymongo


def init_app(app):
    seconds = app.config["MONGODB_REQUEST_TIMEOUT_MS"] / 1000
    serve = app.wsgi_app

    def serve_within_deadline(environ, start_response):
        with pymongo.timeout(seconds):
            return serve(environ, start_response)

    app.wsgi_app = serve_within_deadline
