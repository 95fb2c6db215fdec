"""The documents. ``ALL`` lists every collection, for index creation."""
from blog.models.post import Post
from blog.models.user import User

ALL = (User, Post)

__all__ = ["ALL", "Post", "User"]
