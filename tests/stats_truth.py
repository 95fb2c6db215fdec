"""The dashboard's statistics computed in plain Python, to check the pipelines against.

``people`` are dicts with id, name, role, age and created_at; ``writings`` are
dicts with status, created_at, published_at, tags (as stored) and author_id;
``remarks`` (comments) are dicts with status and created_at.
"""
from collections import Counter
from datetime import timezone

from blog.models import Post, User
from blog.models.comment import Comment

ROLES = ("user", "moderator", "admin")
STATUSES = ("draft", "scheduled", "published", "archived")


def months_back(now, count):
    """The last ``count`` (year, month) pairs ending with now's, oldest first, by stepping back."""
    year, month, result = now.year, now.month, []
    for _ in range(count):
        result.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return result[::-1]


def monthly(dates, months):
    counts = Counter((moment.year, moment.month) for moment in dates)
    return [{"year": year, "month": month, "count": counts[(year, month)]}
            for year, month in months]


def shown_status(writing, now):
    """A published post whose time is still ahead counts as scheduled, not published."""
    if writing["status"] == "published" and _aware(writing["published_at"]) > now:
        return "scheduled"
    return writing["status"]


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def ground_truth(people, writings, now, remarks=()):
    months = months_back(now, 24)
    writings = [{**writing, "status": shown_status(writing, now)} for writing in writings]
    by_role = []
    for role in ROLES:
        members = [person for person in people if person["role"] == role]
        ages = [person["age"] for person in members if person["age"] is not None]
        by_role.append({"role": role, "count": len(members),
                        "averageAge": round(sum(ages) / len(ages), 1) if ages else None})
    published = [writing for writing in writings if writing["status"] == "published"]
    tag_counts = Counter(tag for writing in published for tag in writing["tags"])
    author_counts = Counter(writing["author_id"] for writing in published)
    names = {person["id"]: person["name"] for person in people}
    split = []
    for year, month in months:
        row = {"year": year, "month": month}
        for status in STATUSES:
            row[status] = sum(1 for writing in writings if writing["status"] == status
                              and (writing["created_at"].year, writing["created_at"].month)
                              == (year, month))
        row["count"] = sum(row[status] for status in STATUSES)
        split.append(row)
    return {
        "usersByRole": by_role,
        "postsByMonth": monthly([writing["published_at"] for writing in published], months),
        "postsByMonthAndStatus": split,
        "signupsByMonth": monthly([person["created_at"] for person in people], months),
        "topTags": [{"tag": tag, "count": count} for tag, count in
                    sorted(tag_counts.items(), key=lambda item: (-item[1], item[0]))[:20]],
        "topAuthors": [{"id": str(author), "name": names[author], "count": count}
                       for author, count in sorted(author_counts.items(),
                                                   key=lambda item: (-item[1], str(item[0])))[:10]],
        "commentsByMonth": monthly([remark["created_at"] for remark in remarks
                                    if remark["status"] == "visible"], months),
        "pendingComments": sum(1 for remark in remarks if remark["status"] == "pending"),
        "totals": {
            "users": len(people), "posts": len(writings),
            **{status: sum(1 for w in writings if w["status"] == status) for status in STATUSES},
            "tags": len(tag_counts),
            "comments": sum(1 for remark in remarks if remark["status"] == "visible"),
        },
    }


def documents_as_dicts():
    """Every user and post in the database, read one by one, as ``ground_truth`` takes them."""
    people = [{"id": user.pk, "name": user.name, "role": user.role, "age": user.profile.age,
               "created_at": user.created_at} for user in User.objects]
    writings = [{"status": post.status, "created_at": post.created_at,
                 "published_at": post.published_at, "tags": list(post.tags),
                 "author_id": _referenced_id(post._data["author"])} for post in Post.objects]
    return people, writings


def comments_as_dicts():
    """Every comment in the database, as ``ground_truth`` takes them."""
    return [{"status": comment.status, "created_at": comment.created_at}
            for comment in Comment.objects]


def _referenced_id(reference):
    """A reference as loaded (a DBRef or the document) or as stored (an id), as an id."""
    return getattr(reference, "id", reference)
