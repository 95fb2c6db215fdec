"""Statistics for the admin dashboard and ``/api/stats``.

Every number comes from the counters kept current as users and posts change
(blog.services.counts), so the dashboard reads a few hundred counters, not
every post and user, whatever the size of the blog. Months are calendar
months in UTC; the monthly series cover the last ``MONTHS`` months up to the
current one, oldest first, with zeros where nothing happened.
"""
from flask import current_app

from blog.cache.lifetimes import visible_posts_lifetime
from blog.cache.values import cached
from blog.models import AuditLog, User
from blog.models.base import STATISTICS, utcnow
from blog.models.post import SHOWN_STATUSES
from blog.models.user import ROLES
from blog.services.counts import Counts

MONTHS = 24
TOP_TAGS = 20
TOP_AUTHORS = 10


def dashboard_stats():
    """Every statistic, from the cache while no user or post has been written and no
    scheduled post has become visible. The number of audit entries, which every login
    adds to, is read each time (from the collection's metadata, not by counting)."""
    stats = cached(STATISTICS, compute_stats, timeout=lambda: visible_posts_lifetime(
        current_app.config["STATS_CACHE_TIMEOUT"]))
    return {**stats, "totals": {**stats["totals"], "auditEntries": AuditLog.objects.count()}}


def compute_stats(now=None):
    now = now or utcnow()
    counts = Counts(now)
    months = [f"{year:04d}-{month:02d}" for year, month in last_months(now, MONTHS)]
    keys = [("posts", status) for status in SHOWN_STATUSES]
    keys += [(kind, role) for role in ROLES for kind in ("users", "age-sum", "aged")]
    keys += [(kind, month) for month in months for kind in ("published", "signups", "commented")]
    keys += [("comments", status) for status in ("visible", "pending")]
    keys += [("written", f"{month} {status}") for month in months for status in SHOWN_STATUSES]
    values = counts.values(keys)
    by_status = {status: values[("posts", status)] for status in SHOWN_STATUSES}
    return {
        "totals": {"users": User.objects.count(), "posts": sum(by_status.values()), **by_status,
                   "tags": counts.how_many("tag"), "comments": values[("comments", "visible")],
                   "auditEntries": AuditLog.objects.count()},
        "usersByRole": users_by_role(values),
        "postsByMonth": _series(months, values, "published"),
        "postsByMonthAndStatus": written_by_month_and_status(months, values),
        "topTags": [{"tag": tag, "count": count} for tag, count in
                    counts.largest("tag", TOP_TAGS)],
        "topAuthors": top_authors(counts.largest("author", TOP_AUTHORS)),
        "signupsByMonth": _series(months, values, "signups"),
        "commentsByMonth": _series(months, values, "commented"),
        "pendingComments": values[("comments", "pending")],
    }


def last_months(now, count):
    """``(year, month)`` of the ``count`` months up to the one ``now`` is in, oldest first."""
    index = now.year * 12 + now.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def _month(name):
    year, month = name.split("-")
    return {"year": int(year), "month": int(month)}


def _series(months, values, kind):
    return [{**_month(month), "count": values[(kind, month)]} for month in months]


def written_by_month_and_status(months, values):
    """Posts by the month they were written, split by their status now."""
    result = []
    for month in months:
        split = {status: values[("written", f"{month} {status}")] for status in SHOWN_STATUSES}
        result.append({**_month(month), **split, "count": sum(split.values())})
    return result


def users_by_role(values):
    """Every role, with its number of users and their average age (None when no one gave one)."""
    result = []
    for role in ROLES:
        aged = values[("aged", role)]
        result.append({"role": role, "count": values[("users", role)],
                       "averageAge": round(values[("age-sum", role)] / aged, 1) if aged else None})
    return result


def top_authors(rows):
    """Authors with the most visible posts, from ``[(user id, count)]``; ties in id order."""
    names = {str(user.pk): user for user in
             User.objects(pk__in=[user_id for user_id, _ in rows]).only("name", "email")}
    return [{"id": user_id,
             "name": names[user_id].name if user_id in names else "(deleted user)",
             "count": count} for user_id, count in rows]
