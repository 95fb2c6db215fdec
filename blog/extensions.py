"""Flask extensions, created here and bound to the app in ``create_app``."""
from flask import current_app
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Every /api endpoint draws on one budget per client address.
api_limit = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")
