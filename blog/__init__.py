"""The blog: a Flask application on MongoDB through MongoEngine."""
import logging
import os

from flask import Flask

from blog import models
from blog.accounts.routes import bp as accounts_bp
from blog.admin.routes import bp as admin_bp
from blog.api.admin import bp as admin_api_bp
from blog.api.routes import bp as api_bp
from blog.auth.routes import bp as auth_bp
from blog.cache import invalidation, pages
from blog.cache.values import init_cache
from blog.commands import COMMANDS
from blog.commands.base import CommandGroup
from blog.comments.queue import bp as comment_queue_bp
from blog.comments.routes import bp as comments_bp
from blog.crawlers.routes import bp as crawlers_bp
from blog.config import load_config
from blog.errors import register_error_handlers
from blog.extensions import compress, csrf, limiter, login_manager
from blog.health import readiness
from blog.health.routes import bp as health_bp
from blog.media import operations as media
from blog.media.routes import bp as media_bp
from blog.posts.routes import bp as posts_bp
from blog.revisions import operations as revisions
from blog.revisions.routes import bp as revisions_bp
from blog.search.routes import bp as search_bp
from blog.services import audit, counts, mail, sessions
from blog.store import connection
from blog.users.routes import bp as users_bp
from blog.text.highlight import stylesheet
from blog.web import deadline, fingerprints, timing
from blog.web.forms import allow_image_uploads
from blog.web.security import add_security_headers, trust_proxies
from blog.web.templating import register_template_helpers

BLUEPRINTS = (auth_bp, accounts_bp, posts_bp, comments_bp, revisions_bp, search_bp, users_bp,
              media_bp, comment_queue_bp, admin_bp, api_bp, admin_api_bp, health_bp,
              crawlers_bp)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True,
                template_folder=os.path.join(ROOT, "templates"),
                static_folder=os.path.join(ROOT, "static"),
                instance_path=os.path.join(ROOT, "instance"))
    load_config(app, test_config)
    _configure_logging(app)

    mode = connection.connect(app.config, on_open=_prepare_embedded_store)
    app.extensions["database_mode"] = mode
    init_cache(app)
    # Its after_request hook runs last: pages are stored whole, and compressed as they go
    # out, those answered from the cache too.
    compress.init_app(app)
    # Before the other extensions: its after_request hook must run after theirs, to store
    # whole pages.
    pages.init_app(app, finish=compress.after_request)
    login_manager.init_app(app)
    login_manager.user_loader(sessions.load_user)
    # Before CSRF's check, which reads the form.
    app.before_request(allow_image_uploads)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # Commands added later with ``app.cli.command`` run as ours do, audited as "cli".
    app.cli = CommandGroup(app.name)
    for command in COMMANDS:
        app.cli.add_command(command)
    register_error_handlers(app)
    register_template_helpers(app)
    fingerprints.init_app(app, generated={"posts.code_stylesheet": stylesheet})

    # The audit history, the counters, the cache, the posts' revisions and their images
    # follow every save and delete.
    audit.connect_signals()
    counts.connect_signals()
    invalidation.connect_signals()
    revisions.connect_signals()
    media.connect_signals()

    deadline.init_app(app)
    readiness.init_app(app)
    # Wrapped last, so outermost: the page cache keys pages by the public scheme and host.
    trust_proxies(app)
    app.after_request(add_security_headers)
    timing.init_app(app)
    return app


def unconfigured_app(problem):
    """What the ``flask`` command loads when ``create_app`` cannot build the blog (a
    ConfigurationError): its commands are listed and their ``--help`` works, and
    running one, or serving a page, says in one line what to set."""
    app = Flask(__name__, instance_path=os.path.join(ROOT, "instance"))
    app.extensions["configuration_problem"] = str(problem)
    app.cli = CommandGroup(app.name)
    for command in COMMANDS:
        app.cli.add_command(command)
    app.before_request(lambda: (f"{problem}\n", 503, {"Content-Type": "text/plain"}))
    return app


def disconnect_db(app):
    """Let go of what the app holds: the messages being sent finish (they read the database),
    then the database connection closes (the embedded store writes its file and lets go)."""
    mail.shutdown(app)
    connection.disconnect()


def _configure_logging(app):
    level = logging.DEBUG if app.debug else logging.INFO
    logging.getLogger("blog").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _prepare_embedded_store():
    """Once the embedded store has its data: its indexes, and its counters if it has none
    yet (a new store, or one from before them), so no request has to build them."""
    models.ensure_indexes()
    counts.ensure_built()
