"""Everything the blog holds about one person, as JSON-ready data (``/settings/export``).

Never the password hash or the session token. A fixed number of queries,
however much the person wrote.
"""
from flask import url_for
from mongoengine.queryset.visitor import Q

from blog.api.items import audit_item
from blog.models import AuditLog, Post, Transfer, User
from blog.models.base import utcnow
from blog.models.comment import Comment
from blog.models.image import Image
from blog.models.revision import Revision
from blog.services.points import DELETED_ACCOUNT
from blog.web.templating import isodate

POST_FIELDS = ("id", "slug", "title", "status", "tags", "content", "created_at", "updated_at",
               "published_at")


def account_data(user):
    return {
        "exportedAt": isodate(utcnow()),
        "profile": _profile(user),
        "posts": _posts(user),
        "comments": _comments(user),
        "kudos": _kudos(user),
        "uploads": _uploads(user),
        "audit": [audit_item(entry) for entry in _oldest_first(AuditLog.objects(
            Q(actor_id=user.pk) | Q(collection="user", document_id=user.pk)), "at")],
    }


def _oldest_first(documents, moment):
    """``documents`` (a queryset, or dicts from ``as_pymongo()``) oldest first by ``moment``,
    ties in id order. Sorted here: the export reads all of them anyway, and each ``$or``
    branch's index (by person) then serves the read without a sort on the server."""
    def key(document):
        if isinstance(document, dict):
            return document.get(moment), document["_id"]
        return getattr(document, moment), document.pk
    return sorted(documents.order_by(), key=key)


def _profile(user):
    return {
        "id": str(user.pk), "email": user.email, "name": user.name, "role": user.role,
        "bio": user.profile.bio, "age": user.profile.age, "website": user.profile.website,
        "points": user.points, "createdAt": isodate(user.created_at),
        "updatedAt": isodate(user.updated_at),
    }


def _posts(user):
    """Every post the person wrote, each with the earlier versions its revisions keep."""
    posts = _oldest_first(Post.objects(author=user).only(*POST_FIELDS), "created_at")
    revisions = {}
    for revision in Revision.objects(post__in=[post.pk for post in posts]).only(
            "post", "number", "title", "content", "tags", "created_at").as_pymongo():
        revisions.setdefault(revision["post"], []).append({
            "number": revision["number"], "title": revision["title"],
            "content": revision.get("content", ""), "tags": revision.get("tags", []),
            "createdAt": isodate(revision.get("created_at"))})
    return [{
        "id": str(post.pk), "slug": post.slug, "title": post.title, "status": post.status,
        "tags": post.tags, "content": post.content, "createdAt": isodate(post.created_at),
        "updatedAt": isodate(post.updated_at), "publishedAt": isodate(post.published_at),
        "revisions": revisions.get(post.pk, []),
    } for post in posts]


def _uploads(user):
    """The person's images and avatar, each with the address its file is downloaded from."""
    return [{
        "id": str(image.pk), "kind": image.kind, "filename": image.filename,
        "contentType": image.content_type, "width": image.width, "height": image.height,
        "bytes": image.size, "createdAt": isodate(image.created_at),
        "url": url_for("media.image", image_id=image.pk, _external=True),
        "thumbnailUrl": url_for("media.thumbnail", image_id=image.pk, _external=True),
    } for image in _oldest_first(Image.objects(owner=user.pk).exclude("file"), "created_at")]


def _comments(user):
    """Every comment the person wrote, whatever its status, with the post it is on."""
    comments = list(Comment.objects(author=user).order_by("created_at", "_id").as_pymongo())
    posts = {post["_id"]: post for post in Post.objects(
        pk__in=list({comment["post"] for comment in comments})).only("slug", "title")
        .as_pymongo()}
    return [{
        "id": str(comment["_id"]),
        "post": {"slug": posts.get(comment["post"], {}).get("slug"),
                 "title": posts.get(comment["post"], {}).get("title")},
        "parent": str(comment["parent"]) if comment.get("parent") else None,
        "body": comment["body"], "status": comment["status"],
        "createdAt": isodate(comment.get("created_at")),
        "updatedAt": isodate(comment.get("updated_at")),
        "editedAt": isodate(comment.get("edited_at")) or None,
    } for comment in comments]


def _kudos(user):
    transfers = _oldest_first(Transfer.objects(Q(sender=user.pk) | Q(recipient=user.pk))
                              .as_pymongo(), "created_at")
    others = {transfer.get(side) for transfer in transfers for side in ("sender", "recipient")}
    others.discard(None)
    names = dict(User.objects(pk__in=list(others)).scalar("id", "name"))
    sent, received = [], []
    for transfer in transfers:
        item = {"id": str(transfer["_id"]), "amount": transfer["amount"],
                "state": transfer["state"], "at": isodate(transfer["created_at"])}
        if transfer.get("sender") == user.pk:
            sent.append({**item, "to": _person(transfer["recipient"], names)})
        if transfer["recipient"] == user.pk:
            sender = transfer.get("sender")
            received.append({**item, "from": _person(sender, names) if sender else
                             {"id": None, "name": "an admin's grant"}})
    return {"sent": sent, "received": received}


def _person(user_id, names):
    if user_id not in names:
        return {"id": None, "name": DELETED_ACCOUNT}
    return {"id": str(user_id), "name": names[user_id]}
