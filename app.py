"""The blog as ``flask --app app`` and gunicorn (``app:app``) load it."""
import os

from blog import create_app, unconfigured_app
from blog.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as problem:
    # A server refuses to start; the flask command still lists its commands and
    # says in one line what to set (Flask sets this variable for its command).
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
        raise
    app = unconfigured_app(problem)
