"""Managing accounts: finding users, counting their posts, changing roles."""
from mongoengine.queryset.visitor import Q

from blog.models import Post, User
from blog.models.user import ROLES
from blog.services import audit

MAX_SEARCH = 100


class LastAdminError(RuntimeError):
    """Demoting this user would leave the blog with no admin."""


def find_users(search=""):
    """Users whose email or name contains ``search`` as literal text, ignoring case; newest first.

    ``icontains`` escapes its argument, so ``.*`` or ``(a+)+$`` are only characters.
    """
    users = User.objects.order_by("-created_at", "-id")
    if search:
        users = users(Q(email__icontains=search) | Q(name__icontains=search))
    return users


def post_counts(users):
    """``{user id: number of posts they wrote}`` for ``users``, in one query."""
    ids = [user.pk for user in users]
    rows = Post.objects(author__in=ids).aggregate([
        {"$group": {"_id": "$author", "count": {"$sum": 1}}},
    ])
    counts = {row["_id"]: row["count"] for row in rows}
    return {user_id: counts.get(user_id, 0) for user_id in ids}


def change_role(user, role):
    """Give ``user`` the role ``role``, audited as a role change.

    Returns whether anything changed. Raises ValueError for an unknown role and
    LastAdminError rather than leave no admin, also when two admins demote
    each other at the same moment.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    previous = user.role
    if role == previous:
        return False
    if previous == "admin" and not User.objects(role="admin", pk__ne=user.pk).first():
        raise LastAdminError(user.email)
    _save_role(user, role)
    if previous == "admin" and not User.objects(role="admin").first():
        # Another admin was demoted between the check and the save: undo ours.
        _save_role(user, previous)
        raise LastAdminError(user.email)
    return True


def _save_role(user, role):
    user.role = role
    with audit.recorded_as("role_change"):
        user.save()
