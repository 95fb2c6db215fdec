"""The blog: a Flask application on MongoDB through MongoEngine."""
import logging
import os

from flask import Flask, g

from blog import audit, db, invalidation, page_cache
from blog.activity_cli import activity_cli
from blog.admin.routes import bp as admin_bp
from blog.api.admin import bp as admin_api_bp
from blog.api.routes import bp as api_bp
from blog.auth.routes import bp as auth_bp
from blog.caching import init_cache
from blog.cli import register_commands
from blog.config import load_config
from blog.errors import register_error_handlers
from blog.extensions import csrf, limiter, login_manager
from blog.health import bp as health_bp
from blog.instrumentation import server_timing
from blog.points_cli import points_cli
from blog.posts.routes import bp as posts_bp
from blog.search.cli import search_cli
from blog.search.routes import bp as search_bp
from blog.security import add_security_headers, trust_proxies
from blog.services import stats
from blog.services.points import recover_at_start
from blog.templating import register_template_helpers
from blog.users.routes import bp as users_bp

BLUEPRINTS = (auth_bp, posts_bp, search_bp, users_bp, admin_bp, api_bp, admin_api_bp, health_bp)
COMMAND_GROUPS = (search_cli, points_cli, activity_cli)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True,
                template_folder=os.path.join(ROOT, "templates"),
                static_folder=os.path.join(ROOT, "static"),
                instance_path=os.path.join(ROOT, "instance"))
    load_config(app, test_config)
    _configure_logging(app)

    db.connect_db(app)
    init_cache(app)
    # Before the other extensions: its after_request hook must run last, to store whole pages.
    page_cache.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    register_commands(app)
    for command in COMMAND_GROUPS:
        app.cli.add_command(command)
    register_error_handlers(app)
    register_template_helpers(app)

    # Signals keep the audit history, the statistics and the cache current.
    audit.connect_signals()
    stats.connect_signals()
    invalidation.connect_signals()
    recover_at_start(app)

    # Wrapped last, so outermost: the page cache keys pages by the public scheme and host.
    trust_proxies(app)
    app.before_request(_start_request)
    app.after_request(add_security_headers)
    app.after_request(server_timing)
    return app


def _start_request():
    g.db_operations = 0
    g.db_millis = 0.0


def _configure_logging(app):
    level = logging.DEBUG if app.debug else logging.INFO
    logging.getLogger("blog").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
