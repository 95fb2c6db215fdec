"""Flask extensions, created here and bound to the app in ``create_app``."""
from flask import current_app, request
from flask_caching import Cache
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"

csrf = CSRFProtect()
# Pages, stylesheets, JSON and feeds, compressed for clients that accept it.
compress = Compress()
cache = Cache()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Every /api endpoint draws on one budget per client address.
api_limit = limiter.shared_limit(lambda: current_app.config["API_RATE_LIMIT"], scope="api")


def user_or_address():
    """Whom a per-person limit counts: the logged-in user, else the client's address."""
    if current_user.is_authenticated:
        return f"user:{current_user.pk}"
    return get_remote_address()


def _not_a_search():
    return not request.args.get("q", "").strip()


# The search page and the API's ``q`` run the same ranking of every match: one
# budget per client address for both, on top of the API's own.
search_limit = limiter.shared_limit(lambda: current_app.config["SEARCH_RATE_LIMIT"],
                                    scope="search", exempt_when=_not_a_search,
                                    override_defaults=False)
