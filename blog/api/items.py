"""Documents as the JSON API shows them; the admin pages' live panel uses them too."""
from blog.web.templating import isodate


def post_item(post):
    author = post.author
    return {
        "id": str(post.pk),
        "slug": post.slug,
        "title": post.title,
        "excerpt": post.excerpt,
        "tags": list(post.tags),
        "status": post.status,
        "author": {"id": str(author.pk), "name": author.name} if author else None,
        "createdAt": isodate(post.created_at),
        "updatedAt": isodate(post.updated_at),
        "publishedAt": isodate(post.published_at) or None,
        "commentCount": post.comment_count,
    }


def comment_item(comment):
    author = comment.author
    parent = comment.parent_id()
    return {
        "id": str(comment.pk),
        "html": comment.html,
        "body": comment.body,
        "author": {"id": str(author.pk), "name": author.name} if author else None,
        "parent": str(parent) if parent else None,
        "createdAt": isodate(comment.created_at),
    }


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
