"""Images: uploads kept in GridFS (the image and its thumbnail, through ``ImageField``).

The bytes never change once stored, so each image and its thumbnail are served
by id with an ETag from the digest kept here, cached by browsers for a year.
Pillow's checks and clean-up come first (blog.media.processing); a post's cover
and a user's avatar refer to an image, and a post lists the images it shows.
"""
from bson import ObjectId
from mongoengine import NULLIFY, ImageField, IntField, ReferenceField, StringField

from blog.models.base import TimestampedDocument
from blog.models.user import User

# The long side of a stored image and of its thumbnail, in pixels.
LONGEST_SIDE = 1600
THUMBNAIL_SIDE = 400
AVATAR_SIDE = 256
KINDS = ("upload", "avatar")
MAX_FILENAME = 200
# GridFS's collections: images.files and images.chunks.
GRIDFS_COLLECTION = "images"


class Image(TimestampedDocument):
    # An image used in someone else's post outlives its owner's account (blog.media.operations
    # deletes the rest), so deleting the owner only forgets who it was.
    owner = ReferenceField(User, null=True, reverse_delete_rule=NULLIFY)
    kind = StringField(choices=KINDS, default="upload")
    file = ImageField(size=(LONGEST_SIDE, LONGEST_SIDE, False),
                      thumbnail_size=(THUMBNAIL_SIDE, THUMBNAIL_SIDE, False),
                      collection_name=GRIDFS_COLLECTION)
    # The name the file had on the uploader's computer, shown to them only.
    filename = StringField(max_length=MAX_FILENAME, default="")
    content_type = StringField(required=True)
    width = IntField(min_value=1)
    height = IntField(min_value=1)
    # Bytes stored: the image, and the image and thumbnail together (what the quota counts).
    size = IntField(min_value=0, default=0)
    stored_bytes = IntField(min_value=0, default=0)
    # GridFS ids and SHA-256 digests (the ETags) of the image and of its thumbnail.
    file_id = StringField()
    thumbnail_id = StringField()
    digest = StringField()
    thumbnail_digest = StringField()

    meta = {
        "collection": "image",
        # The uploads page lists one person's newest first; the quota, the data export
        # and deleting the account read all of theirs.
        "indexes": [("owner", "kind", "-created_at")],
        "ordering": ["-created_at"],
    }

    audited = True
    SERVED_FIELDS = ("id", "content_type", "size", "digest", "thumbnail_digest", "file_id",
                     "thumbnail_id")

    def __str__(self):
        return self.filename or str(self.pk)

    def audit_label(self):
        return self.filename or str(self.pk or "")

    @property
    def url(self):
        return f"/media/{self.pk}"

    @property
    def thumbnail_url(self):
        return f"/media/{self.pk}/thumb"

    def delete(self, *args, **kwargs):
        """Delete the document and its two GridFS files."""
        if self.file:
            self.file.delete()
        return super().delete(*args, **kwargs)

    @classmethod
    def by_id(cls, image_id, fields=None):
        """The image with this id, or None (also for text that is not an id)."""
        if not isinstance(image_id, str) or not ObjectId.is_valid(image_id):
            return None
        found = cls.objects(pk=image_id)
        return (found.only(*fields) if fields else found).first()

