"""The admin pages: statistics dashboard, users and roles, audit history."""
from urllib.parse import parse_qsl, urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from blog.admin import charts
from blog.admin.forms import GrantForm, RoleForm
from blog.api.items import audit_item
from blog.api.responses import ok
from blog.models import AuditLog, audited_collections
from blog.models.audit import ACTIONS
from blog.models.querysets import PageNotFound
from blog.models.user import ROLES
from blog.services import accounts, points
from blog.services.history import MAX_ACTOR, AuditFilters, BadFilter, actor_names
from blog.services.stats import dashboard_stats
from blog.web.forms import page_arg, user_or_404
from blog.web.security import require_admin, safe_next_url
from blog.web.templating import utc

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 25
ACTIVITY_SIZE = 15
ACTIVITY_REFRESH_SECONDS = 5

bp.before_request(require_admin)


@bp.route("/")
def dashboard():
    stats = dashboard_stats()
    activity = list(AuditLog.objects.limit(ACTIVITY_SIZE))
    return render_template("admin/dashboard.html", stats=stats, charts=_charts(stats),
                           monthly_posts=_monthly_posts(stats), activity=activity,
                           names=actor_names(activity),
                           refresh_seconds=ACTIVITY_REFRESH_SECONDS)


@bp.route("/activity.json")
def activity():
    """The latest entries, for the dashboard's activity panel to poll: as the API has
    them, with what the panel shows besides (the actor's name, the time, the link)."""
    entries = list(AuditLog.objects.limit(ACTIVITY_SIZE))
    names = actor_names(entries)
    return ok([{**audit_item(entry), "actorName": names.get(entry.actor_id) or entry.actor,
                "shownAt": utc(entry.at),
                "historyUrl": url_for("admin.audit", document=entry.document_id)
                if entry.document_id else None}
               for entry in entries])


def _charts(stats):
    months = [charts.month_label(row["year"], row["month"]) for row in stats["postsByMonth"]]
    return {
        "published": charts.column_chart(
            "Posts published per month", months,
            [row["count"] for row in stats["postsByMonth"]]),
        "signups": charts.column_chart(
            "Sign-ups per month", months, [row["count"] for row in stats["signupsByMonth"]]),
        "comments": charts.column_chart(
            "Comments per month", months, [row["count"] for row in stats["commentsByMonth"]]),
        "roles": charts.bar_chart(
            "Users by role", [row["role"] for row in stats["usersByRole"]],
            [row["count"] for row in stats["usersByRole"]]),
        "tags": charts.bar_chart(
            "Top tags", [row["tag"] for row in stats["topTags"]],
            [row["count"] for row in stats["topTags"]]),
        "authors": charts.bar_chart(
            "Top authors", [row["name"] for row in stats["topAuthors"]],
            [row["count"] for row in stats["topAuthors"]]),
    }


def _monthly_posts(stats):
    """The month table's rows, newest first: published, and written split by status."""
    rows = [{"year": published["year"], "month": published["month"],
             "published": published["count"], "written": written}
            for published, written in zip(stats["postsByMonth"], stats["postsByMonthAndStatus"])]
    return rows[::-1]


@bp.route("/users")
def users():
    search = request.args.get("search", "").strip()
    if len(search) > accounts.MAX_SEARCH:
        abort(400, description=f"Search for at most {accounts.MAX_SEARCH} characters.")
    page = accounts.find_users(search).paginate(page_arg(), PER_PAGE)
    return _users_page(page, search, request.full_path)


def _users_page(page, search, list_url, problem=None, status=200):
    """The users list; ``list_url`` is its address, where its forms come back to, and
    ``problem`` a refused change, shown beside its field in that user's row."""
    return render_template("admin/users.html", page=page, search=search, list_url=list_url,
                           problem=problem, roles=ROLES,
                           post_counts=accounts.post_counts(page.items),
                           max_grant=points.MAX_GRANT, max_search=accounts.MAX_SEARCH), status


def _refused(form, user, field, message, status):
    """The list as the admin left it (``next``), the change refused beside ``field`` in
    ``user``'s row, with what they chose."""
    list_url = safe_next_url(form.next.data) or url_for("admin.users")
    parts = urlsplit(list_url)
    if parts.path != url_for("admin.users"):
        list_url, parts = url_for("admin.users"), urlsplit(url_for("admin.users"))
    args = dict(parse_qsl(parts.query))
    search = args.get("search", "").strip()[:accounts.MAX_SEARCH]
    number = args.get("page", "1")
    number = int(number) if number.isascii() and number.isdigit() and len(number) < 7 else 1
    found = accounts.find_users(search)
    try:
        page = found.paginate(max(1, number), PER_PAGE)
    except PageNotFound:
        page = found.paginate(1, PER_PAGE)
    chosen = getattr(form, field).raw_data
    problem = {"user_id": user.pk, "field": field, "message": message,
               "value": chosen[0] if chosen else ""}
    return _users_page(page, search, list_url, problem, status)


@bp.route("/users/<user_id>/role", methods=["POST"])
def change_role(user_id):
    user = user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _refused(form, user, "role", f"Choose a role: {', '.join(ROLES)}.", 400)
    try:
        changed = accounts.change_role(user, form.role.data)
    except accounts.LastAdminError:
        return _refused(form, user, "role", f"{user.email} is the last admin. Make someone "
                        "else an admin before changing this role.", 409)
    if changed:
        flash(f"{user.email} is now {'an' if user.role == 'admin' else 'a'} {user.role}.",
              "success")
    else:
        flash(f"{user.email} was already {'an' if user.role == 'admin' else 'a'} {user.role}.",
              "info")
    if user.pk == current_user.pk and not user.is_admin:
        return redirect(url_for("users.profile", user_id=user.pk))
    return redirect(safe_next_url(form.next.data) or url_for("admin.users"))


@bp.route("/users/<user_id>/points", methods=["POST"])
def grant_points(user_id):
    """Give a user new points, from no one's balance."""
    user = user_or_404(user_id)
    form = GrantForm()
    if not form.validate_on_submit():
        return _refused(form, user, "points", f"Grant from 1 to {points.MAX_GRANT} points.",
                        400)
    try:
        points.grant(user, form.points.data)
    except points.TransferRefused as refused:
        return _refused(form, user, "points", str(refused), refused.status)
    flash(f"Granted {form.points.data} points to {user.email}.", "success")
    return redirect(safe_next_url(form.next.data) or url_for("admin.users"))


@bp.route("/audit")
def audit():
    filters = AuditFilters.read(request.args)
    try:
        entries = filters.query()
    except BadFilter as error:
        # The filters as typed, the reason beside the one that cannot be used.
        return _audit_page(filters, None, {error.parameter: str(error)}), 400
    return _audit_page(filters, entries.paginate(page_arg(), PER_PAGE))


def _audit_page(filters, page, errors=None):
    return render_template("admin/audit.html", page=page, filters=filters, errors=errors or {},
                           actions=ACTIONS, collections=audited_collections(),
                           max_actor=MAX_ACTOR)
