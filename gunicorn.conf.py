"""gunicorn settings for Inkwell: ``gunicorn -c gunicorn.conf.py app:app``.

docs/deployment.md explains each choice. Every value can be overridden on the
command line or through the environment variables read here.
"""
import os

# Behind a reverse proxy on the same host: listen on loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# The embedded store belongs to one process, so without MONGODB_URI there is
# one worker; with a MongoDB server, two per core is a good start.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)
                             if os.environ.get("MONGODB_URI") else 1))
# Threads serve the requests that wait on the database or Redis.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))

# A request that takes longer than this is stuck: its worker is restarted.
timeout = 30
# Time for requests in flight to finish, and the embedded store to be closed, on a restart.
graceful_timeout = 20
# The proxy keeps connections open to gunicorn; close idle ones after a while.
keepalive = 5

# The app is created in each worker, after the fork: neither PyMongo clients nor
# the embedded store's SQLite connection survive a fork.
preload_app = False

# Requests larger than these are refused before the app sees them.
limit_request_line = 8190
limit_request_fields = 100

# The proxy on this host may say the request came over HTTPS; the client's
# address is read by the app (FLASK_PROXY_FIX_HOPS), not here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")


def when_ready(server):
    """On a MongoDB server, before any worker serves: stop, in one line, when the
    database lacks its unique indexes (`flask db ensure-indexes` creates them), then
    finish, in this one process, the transfers a crash cut short."""
    if os.environ.get("MONGODB_URI"):
        _prepare_database()


def post_worker_init(worker):
    """On the embedded store, its one worker opens it now, so a second server on the
    same store stops at once, and finishes the transfers a crash cut short."""
    if not os.environ.get("MONGODB_URI"):
        from blog.services.points import recover_at_start
        recover_at_start(worker.wsgi)


def _prepare_database():
    from blog import create_app, disconnect_db
    from blog.services.indexes import check_at_start
    from blog.services.points import recover_at_start
    app = create_app()
    try:
        # A RuntimeError: gunicorn prints its message and exits.
        check_at_start(app)
        recover_at_start(app)
    finally:
        disconnect_db(app)
