"""Statistics for the admin dashboard and ``/api/stats``.

Every number comes from an aggregation pipeline that both MongoDB and the
embedded store run: no ``$sortByCount``, ``$dateTrunc`` or ``$round``. Months
are calendar months in UTC; the monthly series cover the last
``MONTHS`` months up to the current one, oldest first, with zeros where
nothing happened.
"""
from datetime import datetime, timezone

from flask import current_app

from blog.cache.lifetimes import visible_posts_lifetime
from blog.cache.values import cached
from blog.models import AuditLog, Post, User
from blog.models.base import STATISTICS
from blog.models.comment import Comment
from blog.models.base import utcnow
from blog.models.post import SHOWN_STATUSES, shown_status_expression
from blog.models.user import ROLES

MONTHS = 24
TOP_TAGS = 20
TOP_AUTHORS = 10


def dashboard_stats():
    """Every statistic, from the cache while no user, post or audit entry has been written
    and no scheduled post has become visible."""
    return cached(STATISTICS, compute_stats, timeout=lambda: visible_posts_lifetime(
        current_app.config["STATS_CACHE_TIMEOUT"]))


def compute_stats(now=None):
    now = now or utcnow()
    months = last_months(now, MONTHS)
    return {
        "totals": totals(now),
        "usersByRole": users_by_role(),
        "postsByMonth": published_by_month(months, now),
        "postsByMonthAndStatus": written_by_month_and_status(months, now),
        "topTags": Post.tag_counts(TOP_TAGS),
        "topAuthors": top_authors(TOP_AUTHORS),
        "signupsByMonth": signups_by_month(months),
        "commentsByMonth": comments_by_month(months),
        "pendingComments": Comment.objects(status="pending").count(),
    }


def last_months(now, count):
    """``(year, month)`` of the ``count`` months up to the one ``now`` is in, oldest first."""
    index = now.year * 12 + now.month - 1
    return [(i // 12, i % 12 + 1) for i in range(index - count + 1, index + 1)]


def _window(months):
    """The first instant of the first month, and of the month after the last."""
    (first_year, first_month), (last_year, last_month) = months[0], months[-1]
    return (datetime(first_year, first_month, 1, tzinfo=timezone.utc),
            datetime(last_year + last_month // 12, last_month % 12 + 1, 1, tzinfo=timezone.utc))


def _per_month(documents, date_field, months, split=None):
    """Counts of ``documents`` (a queryset) per calendar month of ``date_field``, and per
    value of the expression ``split``."""
    start, end = _window(months)
    key = {"year": {"$year": f"${date_field}"}, "month": {"$month": f"${date_field}"}}
    if split:
        key["split"] = split
    pipeline = [
        {"$match": {date_field: {"$gte": start, "$lt": end}}},
        {"$group": {"_id": key, "count": {"$sum": 1}}},
    ]
    return documents.aggregate(pipeline)


def _zero_filled(months, rows):
    counts = {(row["_id"]["year"], row["_id"]["month"]): row["count"] for row in rows}
    return [{"year": year, "month": month, "count": counts.get((year, month), 0)}
            for year, month in months]


def published_by_month(months, now):
    """Posts visible now, by the month they were published."""
    rows = _per_month(Post.objects.visible(now), "published_at", months)
    return _zero_filled(months, rows)


def written_by_month_and_status(months, now):
    """Posts by the month they were written, split by their status now."""
    rows = _per_month(Post.objects, "created_at", months, split=shown_status_expression(now))
    counts = {}
    for row in rows:
        key = (row["_id"]["year"], row["_id"]["month"])
        counts.setdefault(key, {})[row["_id"]["split"]] = row["count"]
    result = []
    for year, month in months:
        found = counts.get((year, month), {})
        split = {status: found.get(status, 0) for status in SHOWN_STATUSES}
        result.append({"year": year, "month": month, **split, "count": sum(split.values())})
    return result


def comments_by_month(months):
    """Visible comments, by the month they were written."""
    return _zero_filled(months, _per_month(Comment.objects(status="visible"), "created_at",
                                           months))


def signups_by_month(months):
    return _zero_filled(months, _per_month(User.objects, "created_at", months))


def users_by_role():
    """Every role, with its number of users and their average age (None when no one gave one)."""
    rows = User.objects.aggregate([
        {"$group": {"_id": "$role", "count": {"$sum": 1},
                    "averageAge": {"$avg": "$profile.age"}}},
    ])
    found = {row["_id"]: row for row in rows}
    result = []
    for role in ROLES:
        row = found.get(role, {})
        age = row.get("averageAge")
        result.append({"role": role, "count": row.get("count", 0),
                       "averageAge": round(age, 1) if age is not None else None})
    return result


def top_authors(limit):
    """Authors with the most visible posts; ties in id order, so the list is stable."""
    rows = list(Post.objects.visible().aggregate([
        {"$group": {"_id": "$author", "count": {"$sum": 1}}},
        {"$sort": {"count": -1, "_id": 1}},
        {"$limit": limit},
    ]))
    names = {user.pk: user for user in
             User.objects(pk__in=[row["_id"] for row in rows]).only("name", "email")}
    return [{"id": str(row["_id"]),
             "name": names[row["_id"]].name if row["_id"] in names else "(deleted user)",
             "count": row["count"]} for row in rows]


def totals(now):
    by_status = Post.status_counts(Post.objects, now)
    tags = list(Post.objects.visible(now).aggregate([
        {"$unwind": "$tags"}, {"$group": {"_id": "$tags"}}, {"$count": "tags"},
    ]))
    return {
        "users": User.objects.count(),
        "posts": sum(by_status.values()),
        **by_status,
        "tags": tags[0]["tags"] if tags else 0,
        "comments": Comment.objects(status="visible").count(),
        "auditEntries": AuditLog.objects.count(),
    }

