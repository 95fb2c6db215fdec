"""The documents. ``ALL`` lists every collection, for index creation."""
from blog.models.audit import AuditLog
from blog.models.post import Post
from blog.models.transfer import Transfer
from blog.models.user import User

ALL = (User, Post, AuditLog, Transfer)

__all__ = ["ALL", "AuditLog", "Post", "Transfer", "User"]
