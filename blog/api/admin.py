"""The admin-only JSON API: users, statistics and the audit history."""
from flask import Blueprint, abort, request
from flask_login import current_user

from blog.admin.filters import AuditFilters, BadFilter
from blog.api.responses import ok, paging, str_arg
from blog.extensions import api_limit
from blog.services import accounts
from blog.services.stats import dashboard_stats
from blog.templating import isodate

bp = Blueprint("admin_api", __name__, url_prefix="/api")
api_limit(bp)


@bp.before_request
def require_admin():
    if not current_user.is_authenticated:
        abort(401, description="Log in as an admin to use this endpoint.")
    if not current_user.is_admin:
        abort(403, description="Only admins can use this endpoint.")


@bp.route("/users")
def users():
    page_number, limit = paging()
    search = str_arg("search", accounts.MAX_SEARCH)
    page = accounts.find_users(search).paginate(page_number, limit)
    return ok([user_item(user) for user in page.items], page)


@bp.route("/stats")
def stats():
    return ok(dashboard_stats())


@bp.route("/audit")
def audit():
    page_number, limit = paging()
    try:
        entries = AuditFilters.from_args(request.args).query()
    except BadFilter as error:
        abort(400, description=str(error))
    page = entries.paginate(page_number, limit)
    return ok([audit_item(entry) for entry in page.items], page)


def user_item(user):
    """A user as admins see them: never the password hash or the session token."""
    return {
        "id": str(user.pk),
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "points": user.points,
        "createdAt": isodate(user.created_at),
    }


def audit_item(entry):
    return {
        "id": str(entry.pk),
        "at": isodate(entry.at),
        "actor": {"id": str(entry.actor_id) if entry.actor_id else None, "name": entry.actor},
        "action": entry.action,
        "collection": entry.collection,
        "documentId": str(entry.document_id) if entry.document_id else None,
        "label": entry.label,
        "changes": entry.changes,
        "ip": entry.ip,
    }
