"""The writes of images: storing an upload, deleting one, and clearing away the uploads
a deleted post or account leaves unused. The uploads page, the post form (covers) and
the profile settings (avatars) all call these."""
import hashlib
import io
import re

import gridfs
from flask import current_app
from mongoengine import signals
from mongoengine.connection import get_db
from werkzeug.datastructures import FileStorage

from blog.media.processing import ImageRefused, clean_image, megabytes, read_upload
from blog.models import Post, User
from blog.models.image import GRIDFS_COLLECTION, MAX_FILENAME, Image
from blog.models.querysets import referenced_id
from blog.text.normalise import without_control_characters

_PATH_PARTS = re.compile(r"^.*[/\\]")
# The posts named as showing an image: the uploads page and a refused delete list them.
MAX_USES_LISTED = 100


class ImageInUse(Exception):
    """An image a post still shows; ``posts`` are those posts."""

    def __init__(self, posts):
        super().__init__(posts)
        self.posts = posts


def store_image(owner, upload, kind="upload"):
    """Check, clean and store an uploaded file (werkzeug's ``FileStorage``) as ``owner``'s
    image; ImageRefused says why not (400, 413 past ``MAX_IMAGE_BYTES``, 409 over quota)."""
    data = read_upload(upload.stream, current_app.config["MAX_IMAGE_BYTES"])
    clean = clean_image(data, square=kind == "avatar")
    used = used_bytes(owner)
    _check_quota(used, len(clean.data))
    image = Image(owner=owner, kind=kind, filename=display_filename(upload.filename),
                  content_type=clean.content_type)
    image.file.put(io.BytesIO(clean.data), content_type=clean.content_type)
    try:
        _describe_stored(image)
        # What was stored, thumbnail included, is known only now.
        _check_quota(used, image.stored_bytes)
        image.save()
    except Exception:
        image.file.delete()
        raise
    return image


def save_with_image(document, field, sent, remove, owner, kind="upload"):
    """Save ``document`` with the image a form's file field ``sent`` as its ``field`` (a
    cover, an avatar), or without one when ``remove``. The new image is stored only with
    the document: if saving raises (a ValidationError), it is deleted again. Returns the id
    of the image the document showed before and no longer does, or None."""
    previous = referenced_id(document, field)
    image = None
    if sent_file(sent):
        image = store_image(owner, sent, kind)
        setattr(document, field, image)
    elif remove:
        setattr(document, field, None)
    try:
        document.save()
    except Exception:
        setattr(document, field, previous)
        if image is not None:
            image.delete()
        raise
    return previous if previous and previous != referenced_id(document, field) else None


def sent_file(data):
    """The file a form's file field sent, or None (nothing chosen, or the field's data is
    the value it was filled with, as a form for a stored document has)."""
    return data if isinstance(data, FileStorage) and data.filename else None


def _describe_stored(image):
    """Size, dimensions and digests of what ImageField stored (the image and thumbnail)."""
    files = gridfs.GridFS(get_db(), GRIDFS_COLLECTION)
    stored = files.get(image.file.grid_id)
    thumbnail = files.get(stored.thumbnail_id)
    data, thumbnail_data = stored.read(), thumbnail.read()
    image.width, image.height = stored.width, stored.height
    image.size = len(data)
    image.stored_bytes = len(data) + len(thumbnail_data)
    image.file_id, image.thumbnail_id = str(stored._id), str(thumbnail._id)
    image.digest = hashlib.sha256(data).hexdigest()
    image.thumbnail_digest = hashlib.sha256(thumbnail_data).hexdigest()


def display_filename(filename):
    """The last part of an uploaded file's name, without control characters, shortened."""
    name = _PATH_PARTS.sub("", without_control_characters(filename or "", False)).strip()
    return name[-MAX_FILENAME:]


def quota_bytes():
    return current_app.config["MEDIA_QUOTA_MB"] * 1_000_000


def used_bytes(owner):
    """The bytes ``owner``'s images take, thumbnails included."""
    totals = list(Image.objects(owner=owner).aggregate(
        [{"$group": {"_id": None, "total": {"$sum": "$stored_bytes"}}}]))
    return totals[0]["total"] if totals else 0


def _check_quota(used, adding):
    """ImageRefused (409) when ``adding`` bytes to the ``used`` would pass the quota."""
    quota = quota_bytes()
    if used + adding > quota:
        raise ImageRefused(f"Your images would take more than your {megabytes(quota)} "
                           f"(you use {megabytes(used)}): delete some you no longer need "
                           "on the uploads page first.", 409)


def image_uses(images):
    """``{image id: [posts]}`` of the posts that show each of ``images``, in one query."""
    ids = [image.pk for image in images]
    uses = {image_id: [] for image_id in ids}
    if not ids:
        return uses
    showing = (Post.objects(images__in=ids).order_by("-id").limit(MAX_USES_LISTED)
               .only("id", "slug", "title", "status", "images"))
    for post in showing:
        for image_id in post.images:
            if image_id in uses:
                uses[image_id].append(post)
    return uses


def can_delete(image, user):
    return user.is_authenticated and (user.is_admin or referenced_id(image, "owner") == user.pk)


def delete_image(image):
    """Delete an image no post shows; ImageInUse names the posts that do."""
    posts = image_uses([image])[image.pk]
    if posts:
        raise ImageInUse(posts)
    if image.kind == "avatar":
        User.objects(avatar=image.pk).update(unset__avatar=True)
    image.delete()


def delete_avatar(image_id):
    """Delete an avatar image its owner replaced or removed."""
    for image in Image.objects(pk=image_id, kind="avatar"):
        image.delete()


def delete_unused(image_ids, owner_id):
    """Delete those of ``image_ids`` that belong to ``owner_id`` and that no post shows."""
    if not image_ids or owner_id is None:
        return
    used = set(Post.objects(images__in=list(image_ids)).order_by().distinct("images"))
    for image in Image.objects(pk__in=[i for i in image_ids if i not in used], owner=owner_id,
                               kind="upload"):
        image.delete()


def _post_deleted(sender, document, **_):
    """A deleted post takes with it the uploads of its author that no other post shows."""
    delete_unused(document.images, referenced_id(document, "author"))


def _account_deleting(sender, document, **_):
    """A deleted account takes its avatar and the uploads no one else's post shows."""
    owned = list(Image.objects(owner=document.pk).order_by().scalar("id"))
    used = set(Post.objects(images__in=owned, author__ne=document.pk).order_by()
               .distinct("images"))
    for image in Image.objects(pk__in=[i for i in owned if i not in used]):
        image.delete()


def connect_signals():
    signals.post_delete.connect(_post_deleted, sender=Post, weak=False)
    signals.pre_delete.connect(_account_deleting, sender=User, weak=False)
