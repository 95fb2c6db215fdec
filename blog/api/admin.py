"""The admin-only JSON API: users, statistics and the audit history."""
from flask import Blueprint, abort, request

from blog.api import schemas
from blog.api.items import audit_item, user_item
from blog.api.openapi import documented
from blog.api.responses import ok, paging
from blog.extensions import api_limit
from blog.services import accounts
from blog.services.history import AuditFilters, BadFilter
from blog.services.stats import dashboard_stats
from blog.web.forms import str_arg
from blog.web.security import require_admin

bp = Blueprint("admin_api", __name__, url_prefix="/api")
api_limit(bp)
bp.before_request(require_admin)


@bp.route("/users")
@documented("Accounts, newest first, or those matching a search", schemas.UserItem, many=True,
            query=schemas.UsersQuery, admin=True)
def users():
    page_number, limit = paging()
    search = str_arg("search", accounts.MAX_SEARCH)
    page = accounts.find_users(search).paginate(page_number, limit)
    return ok([user_item(user) for user in page.items], page)


@bp.route("/stats")
@documented("The dashboard's statistics", schemas.Stats, admin=True)
def stats():
    """Counted over visible posts where a post's visibility matters; kept for
    STATS_CACHE_TIMEOUT seconds at most."""
    return ok(dashboard_stats())


@bp.route("/audit")
@documented("The audit history, newest first, filtered as on the admin page",
            schemas.AuditItem, many=True, query=schemas.AuditQuery, admin=True)
def audit():
    page_number, limit = paging()
    try:
        entries = AuditFilters.from_args(request.args, trim=False).query()
    except BadFilter as error:
        abort(400, description=str(error))
    page = entries.paginate(page_number, limit)
    return ok([audit_item(entry) for entry in page.items], page)

