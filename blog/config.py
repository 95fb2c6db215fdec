"""Settings, from defaults, the environment and ``create_app(test_config)``."""
import math
import os
import re
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

MAIL_SCHEMES = ("smtp", "smtp+starttls", "smtps")
# A host name (with a port if need be), as IMAGE_HOSTS lists them.
HOST_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$")
COMMENT_MODERATION_CHOICES = ("first", "all", "none")


class ConfigurationError(RuntimeError):
    """A setting is missing or wrong; the message, one line, says what to set."""


class Config:
    # The blog's canonical address (https://blog.example.org): feeds' ids and links, the
    # sitemap and canonical links start with it. Unset: the address a request was sent to.
    SITE_URL = None
    MONGODB_URI = None
    EMBEDDED_DB_PATH = None
    # How long an operation waits for a server to send it to (serverSelectionTimeoutMS):
    # short, so that a request answers 503 quickly while the database is unreachable.
    MONGODB_TIMEOUT_MS = 1000
    # Opening a connection. The driver's monitors also use it as their socket timeout, so
    # a short one would mark a busy primary unknown and interrupt the requests in flight.
    MONGODB_CONNECT_TIMEOUT_MS = 10000
    # Every database operation of one request together (pymongo.timeout); a request that
    # runs out answers 503. Well below gunicorn's 30 s timeout and the proxy's.
    MONGODB_REQUEST_TIMEOUT_MS = 10000
    # A socket read outside a request (the flask commands); None waits as long as the
    # server works, as `flask db ensure-indexes` needs while every member builds an index.
    MONGODB_SOCKET_TIMEOUT_MS = None
    MONGODB_MAX_POOL_SIZE = 50
    REDIS_URL = None
    SLOW_QUERY_MS = 200
    # Log every database operation with its duration (FLASK_LOG_QUERIES=true).
    LOG_QUERIES = False

    # The host names the blog answers to (a JSON list as FLASK_TRUSTED_HOSTS;
    # ".example.org" also takes its subdomains); a request naming another gets a 400.
    # None answers to any host.
    TRUSTED_HOSTS = None
    # How many reverse proxies in front of the app set X-Forwarded-*: 0 trusts
    # none of those headers; behind one nginx, 1 (docs/deployment.md).
    PROXY_FIX_HOPS = 0

    MAX_CONTENT_LENGTH = 1024 * 1024
    # Static files are sent as streams, which Flask-Compress would leave uncompressed for
    # clients that take gzip alone.
    COMPRESS_ALGORITHM_STREAMING = ["zstd", "br", "gzip", "deflate"]
    POSTS_PER_PAGE = 10
    SESSION_COOKIE_SECURE = None  # None: Secure unless debugging or testing
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(days=14)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_SECURE = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    BCRYPT_ROUNDS = 12

    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    LOGIN_LIMIT_PER_IP = "10 per minute"
    LOGIN_FAILURES_PER_ACCOUNT = "5 per 15 minutes"
    API_RATE_LIMIT = "300 per minute"
    # Each search ranks up to SEARCH_CANDIDATES matches, so one client's searches (the
    # page's and the API's together) are limited.
    SEARCH_RATE_LIMIT = "60 per minute"
    # A search ranks at most this many of its newest matches, and says "2,000+" past that.
    SEARCH_CANDIDATES = 2000
    # Sign-up attempts per client address.
    REGISTER_RATE_LIMIT = "10 per hour"
    # New posts per writer (previews not counted).
    POST_RATE_LIMIT = "30 per hour"
    # Previews and saves of posts per writer, new or edited.
    EDIT_RATE_LIMIT = "60 per minute"
    # Comments: "first" holds a comment for a moderator unless its author already has a
    # visible one, "all" holds every comment, "none" holds none; moderators and admins
    # are never held. A comment with more links than COMMENT_MAX_LINKS is always held.
    COMMENT_MODERATION = "first"
    COMMENT_MAX_LINKS = 2
    # Comments per writer.
    COMMENT_RATE_LIMIT = "10 per minute"

    CACHE_DEFAULT_TIMEOUT = 300
    # Redis socket timeouts, and how long a cache that failed is left alone.
    CACHE_SOCKET_TIMEOUT = 0.25
    CACHE_RETRY_SECONDS = 2
    STATS_CACHE_TIMEOUT = 30
    # The longest an aggregation may run on a server (its maxTimeMS) before it stops
    # with an error the page explains, rather than holding a worker until a proxy gives up.
    AGGREGATION_TIMEOUT_MS = 5000
    # Earlier versions kept per post; the oldest go first.
    REVISIONS_KEPT = 50
    # On a server, transfers younger than this may still be in progress in another process.
    POINTS_RECOVERY_AGE = 60

    # smtp://[user:pass@]host:port, smtp+starttls://…, smtps://…; unset: mail is written to
    # the log in debug, and not sent at all otherwise (blog.services.mail).
    MAIL_URL = None
    MAIL_FROM = None
    # Seconds the mail server has to answer each step before sending is given up.
    MAIL_TIMEOUT = 5
    RESET_TOKEN_MINUTES = 60
    EMAIL_TOKEN_HOURS = 24
    RESET_LIMIT_PER_ADDRESS = "5 per hour"
    RESET_LIMIT_PER_IP = "20 per hour"
    # Wrong current passwords on the account settings pages, per account.
    PASSWORD_CHECK_FAILURES = "5 per 15 minutes"

    # The largest image file one upload may send (413 past it), and how much each person's
    # images may take in all, thumbnails included.
    MAX_IMAGE_BYTES = 5_000_000
    MEDIA_QUOTA_MB = 100
    # Uploads per person: each is decoded and encoded again, which takes processor time.
    UPLOAD_RATE_LIMIT = "20 per minute"
    # Hosts whose images posts may show (a JSON list as FLASK_IMAGE_HOSTS); images from any
    # other host are shown as links, so that no one else learns who reads the blog.
    IMAGE_HOSTS = []


def load_config(app, test_config):
    """Defaults, then environment variables, then ``test_config``."""
    app.config.from_object(Config)
    default_store = os.path.join(app.instance_path, "embedded.db")
    app.config["EMBEDDED_DB_PATH"] = default_store
    for key in ("MONGODB_URI", "EMBEDDED_DB_PATH", "REDIS_URL", "SECRET_KEY", "MAIL_URL",
                "MAIL_FROM", "RESET_TOKEN_MINUTES", "SITE_URL"):
        if os.environ.get(key):
            app.config[key] = os.environ[key]
    app.config.from_prefixed_env("FLASK")
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["EMBEDDED_DB_PATH"] == default_store:
        # Where versions before the SQLite file kept the store by default: imported once.
        app.config.setdefault("EARLIER_EMBEDDED_DB_PATH",
                              os.path.join(app.instance_path, "embedded-db.json"))

    relaxed = app.debug or app.testing
    if not app.config.get("SECRET_KEY"):
        if not relaxed:
            raise ConfigurationError(
                "SECRET_KEY is not set. Set it to a long random value in the environment "
                "(export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')), "
                "or set FLASK_DEBUG=1 to develop with a generated one.")
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not relaxed
    if app.config["REMEMBER_COOKIE_SECURE"] is None:
        app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    hops = app.config["PROXY_FIX_HOPS"]
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        raise ConfigurationError(
            f"PROXY_FIX_HOPS must be a whole number from 0 up, not {hops!r}.")
    hosts = app.config["TRUSTED_HOSTS"]
    if hosts is not None and (not isinstance(hosts, list) or not all(
            isinstance(host, str) and host.strip() for host in hosts)):
        raise ConfigurationError(
            f"TRUSTED_HOSTS must be a JSON list of host names, like "
            f'FLASK_TRUSTED_HOSTS=\'["blog.example.org"]\', not {hosts!r}.')
    candidates = app.config["SEARCH_CANDIDATES"]
    if isinstance(candidates, bool) or not isinstance(candidates, int) or candidates < 1:
        raise ConfigurationError(
            f"SEARCH_CANDIDATES must be a whole number from 1 up, not {candidates!r}.")
    _check_image_settings(app.config)
    _check_comment_settings(app.config)
    app.config["SITE_URL"] = _site_url(app.config.get("SITE_URL"))
    for key in ("MONGODB_TIMEOUT_MS", "MONGODB_CONNECT_TIMEOUT_MS", "MONGODB_REQUEST_TIMEOUT_MS",
                "POINTS_RECOVERY_AGE"):
        app.config[key] = _positive_number(key, app.config[key])
    if app.config["MONGODB_SOCKET_TIMEOUT_MS"] is not None:
        app.config["MONGODB_SOCKET_TIMEOUT_MS"] = _positive_number(
            "MONGODB_SOCKET_TIMEOUT_MS", app.config["MONGODB_SOCKET_TIMEOUT_MS"])
    _check_mail_settings(app.config, relaxed)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
        timeout = app.config["CACHE_SOCKET_TIMEOUT"]
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {
            "socket_timeout": timeout, "socket_connect_timeout": timeout})


def _check_image_settings(config):
    for key in ("MAX_IMAGE_BYTES", "MEDIA_QUOTA_MB"):
        config[key] = _positive_number(key, config[key])
    hosts = config["IMAGE_HOSTS"]
    if not isinstance(hosts, list) or not all(
            isinstance(host, str) and HOST_NAME.match(host) for host in hosts):
        raise ConfigurationError(
            f"IMAGE_HOSTS must be a JSON list of host names, like "
            f'FLASK_IMAGE_HOSTS=\'["images.example.org"]\', not {hosts!r}.')
    config["IMAGE_HOSTS"] = [host.lower() for host in hosts]


def _check_comment_settings(config):
    moderation = config["COMMENT_MODERATION"]
    if moderation not in COMMENT_MODERATION_CHOICES:
        raise ConfigurationError(f"COMMENT_MODERATION must be first, all or none, not "
                                 f"{moderation!r}.")
    links = config["COMMENT_MAX_LINKS"]
    if isinstance(links, bool) or not isinstance(links, int) or links < 0:
        raise ConfigurationError(
            f"COMMENT_MAX_LINKS must be a whole number from 0 up, not {links!r}.")


def _site_url(value):
    """``SITE_URL`` without a trailing slash, or None; anything but an http(s) address
    with a host, and no query or fragment, is refused."""
    if value is None or value == "":
        return None
    problem = ConfigurationError(
        f"SITE_URL must be the blog's address, like https://blog.example.org, not {value!r}.")
    if not isinstance(value, str):
        raise problem
    try:
        parts = urlsplit(value.strip())
        parts.port  # parsed when read: a port that is not a number raises
    except ValueError:
        raise problem from None
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or parts.username or parts.password):
        raise problem
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def _check_mail_settings(config, relaxed):
    for key in ("MAIL_TIMEOUT", "RESET_TOKEN_MINUTES", "EMAIL_TOKEN_HOURS"):
        config[key] = _positive_number(key, config[key])
    url = config.get("MAIL_URL")
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme not in MAIL_SCHEMES:
        raise ConfigurationError(f"MAIL_URL must start with {', '.join(s + '://' for s in MAIL_SCHEMES)}"
                           f" (it starts with {parts.scheme or 'no scheme'}).")
    try:
        parts.port  # parsed when read: a port that is not a number raises
    except ValueError:
        raise ConfigurationError("MAIL_URL has a port that is not a number from 0 to 65535.") from None
    if not parts.hostname:
        raise ConfigurationError("MAIL_URL names no host: smtp://host:port")
    if not relaxed and not (config.get("SERVER_NAME") or config.get("TRUSTED_HOSTS")):
        # Links in mail name the host a request claims: without a list of this blog's
        # hosts, anyone could have a reset link point at their own site.
        raise ConfigurationError("MAIL_URL is set, so set FLASK_TRUSTED_HOSTS (a JSON list of this "
                           "blog's host names) or FLASK_SERVER_NAME, which links in mail use.")


def _positive_number(key, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or not 0 < number < math.inf:
        raise ConfigurationError(f"{key} must be a number above 0, not {value!r}.")
    return int(number) if number == int(number) else number


def _instance_secret(instance_path):
    """A development key kept in instance/, so sessions survive the reloader."""
    path = os.path.join(instance_path, "secret_key")
    os.makedirs(instance_path, exist_ok=True)
    try:
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as key_file:
            key_file.write(secrets.token_hex(32))
    except FileExistsError:
        pass
    with open(path) as key_file:
        return key_file.read().strip()
