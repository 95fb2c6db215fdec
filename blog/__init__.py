"""The blog: a Flask application on MongoDB through MongoEngine."""
import logging
import os

from flask import Flask, g

from blog import db, invalidation, page_cache
from blog.caching import init_cache
from blog.config import load_config
from blog.errors import register_error_handlers
from blog.extensions import csrf, limiter, login_manager
from blog.instrumentation import server_timing
from blog.security import add_security_headers, trust_proxies

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

    _register_admin(app)
    from blog.api.routes import bp as api_bp
    from blog.auth.routes import bp as auth_bp
    from blog.health import bp as health_bp
    from blog.posts.routes import bp as posts_bp
    from blog.search.routes import bp as search_bp
    from blog.users.routes import bp as users_bp
    for blueprint in (auth_bp, posts_bp, search_bp, users_bp, api_bp, health_bp):
        app.register_blueprint(blueprint)

    from blog.activity_cli import activity_cli
    from blog.points_cli import points_cli
    from blog.search.cli import search_cli
    for command in (search_cli, points_cli, activity_cli):
        app.cli.add_command(command)

    register_error_handlers(app)
    invalidation.connect_signals()
    from blog.cli import register_commands
    register_commands(app)
    from blog.templating import register_template_helpers
    register_template_helpers(app)

    from blog.services.points import recover_at_start
    recover_at_start(app)

    # Wrapped last, so outermost: the page cache keys pages by the public scheme and host.
    trust_proxies(app)
    app.before_request(_start_request)
    app.after_request(add_security_headers)
    app.after_request(server_timing)
    return app


def _register_admin(app):
    """The audit history and the statistics, kept current by signals, and their pages."""
    from blog import audit
    from blog.admin.routes import bp as admin_bp
    from blog.api.admin import bp as admin_api_bp
    from blog.services import stats
    audit.connect_signals()
    stats.connect_signals()
    app.register_blueprint(admin_bp)
    app.register_blueprint(admin_api_bp)


def _start_request():
    g.db_operations = 0
    g.db_millis = 0.0


def _configure_logging(app):
    level = logging.DEBUG if app.debug else logging.INFO
    logging.getLogger("blog").setLevel(level)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
