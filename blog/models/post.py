"""Posts: Markdown content, tags, a publishing status and a permanent slug."""
import random
import re
import unicodedata

from mongoengine import (
    DateTimeField, Document, ListField, NotUniqueError, ReferenceField, StringField,
    ValidationError,
)

from blog.models.querysets import BlogQuerySet
from blog.models.user import User, utcnow
from blog.rendering import excerpt, plain_text, render_markdown
from blog.search.analysis import index_fields

STATUSES = ("draft", "published", "archived")
MAX_TITLE = 200
MAX_CONTENT = 100_000
MAX_TAGS = 10
MAX_TAG_LENGTH = 30
MAX_SLUG = 80
SLUG_ATTEMPTS = 20
TAG = re.compile(r"^\w[\w .+#-]*$")


def slugify(title):
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:MAX_SLUG].rstrip("-") or "post"


def split_tags(text):
    """Tags as typed in a form: comma-separated."""
    return [part for part in (text or "").split(",") if part.strip()]


def normalise_tag(tag):
    """A tag as stored: inner spaces collapsed, trimmed, lowercased."""
    return " ".join(tag.split()).lower()


def normalise_tags(tags):
    """Trimmed, lowercased and deduplicated, in the order given; raises on bad tags."""
    result = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError(errors={"tags": "Tags must be text."})
        tag = normalise_tag(tag)
        if not tag or tag in result:
            continue
        if len(tag) > MAX_TAG_LENGTH:
            raise ValidationError(errors={"tags": f"“{tag[:40]}” is longer than "
                                                  f"{MAX_TAG_LENGTH} characters."})
        if not TAG.match(tag):
            raise ValidationError(errors={"tags": f"“{tag}” may only hold letters, digits, "
                                                  "spaces and . + # -"})
        result.append(tag)
    if len(result) > MAX_TAGS:
        raise ValidationError(errors={"tags": f"Use at most {MAX_TAGS} tags."})
    return result


class Post(Document):
    title = StringField(required=True, max_length=MAX_TITLE)
    slug = StringField(max_length=MAX_SLUG + 8, unique=True)
    content = StringField(default="", max_length=MAX_CONTENT)
    html = StringField(default="")
    excerpt = StringField(default="")
    tags = ListField(StringField(max_length=MAX_TAG_LENGTH))
    status = StringField(choices=STATUSES, default="draft")
    author = ReferenceField(User, required=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField()
    published_at = DateTimeField(null=True)
    # Filled by clean() from the title, tags and text (blog.search.analysis).
    search_terms = ListField(StringField())
    title_terms = ListField(StringField())
    tag_terms = ListField(StringField())
    stemmed_text = StringField(default="")

    meta = {
        "collection": "post",
        "indexes": ["tags", ("status", "-published_at"), "author", "-created_at", "search_terms"],
        "ordering": ["-published_at", "-created_at"],
        "queryset_class": BlogQuerySet,
        "auto_create_index": False,
    }

    LIST_FIELDS = ("id", "title", "slug", "excerpt", "tags", "status", "author", "created_at",
                   "updated_at", "published_at")

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.status == "published"

    def clean(self):
        errors = {}
        if isinstance(self.title, str):
            self.title = " ".join(self.title.split())
            if not self.title:
                errors["title"] = "Give the post a title."
        if isinstance(self.tags, list):
            try:
                self.tags = normalise_tags(self.tags)
            except ValidationError as error:
                errors.update(error.errors)
        if self.status not in STATUSES:
            errors["status"] = "Choose draft, published or archived."
        if errors:
            raise ValidationError("Invalid post", errors=errors)
        if isinstance(self.content, str) and len(self.content) <= MAX_CONTENT:
            self.html = render_markdown(self.content)
            self.excerpt = excerpt(self.html)
            if isinstance(self.title, str):
                for name, value in self.search_fields().items():
                    setattr(self, name, value)
        if not self.slug and isinstance(self.title, str):
            self.slug = slugify(self.title)
        now = utcnow()
        if self.status == "published" and self.published_at is None:
            self.published_at = now
        if self.pk is not None or self.updated_at is None:
            self.updated_at = now

    def search_fields(self):
        """The search fields as the analyser makes them from this post now.

        ``clean()`` stores them on every save; ``flask search reindex`` rewrites
        them for posts saved before the analyser changed.
        """
        html = self.html or render_markdown(self.content)
        return index_fields(self.title, self.tags, plain_text(html))

    def save(self, *args, **kwargs):
        """Save, moving a new post's slug to ``-2``, ``-3`` … while it is taken.

        Posts with one title saved at the same moment all find the same number
        free, and all but one lose the race for it. Each retry picks among as
        many free numbers as it has lost races, so that they spread out rather
        than collide again, round after round, until one runs out of tries.
        """
        for lost in range(1, SLUG_ATTEMPTS + 1):
            try:
                return super().save(*args, **kwargs)
            except NotUniqueError as error:
                if "slug" not in str(error) or not self._created:
                    raise
                self.slug = self._free_slug(choices=lost)
        raise NotUniqueError(f"no free slug for {self.title!r}")

    def _free_slug(self, choices):
        """One of the first ``choices`` free slugs ``base-2``, ``base-3`` …, at random."""
        base = slugify(self.title)
        taken = set(Post.objects(slug__startswith=base).scalar("slug"))
        free = []
        number = 2
        while len(free) < choices:
            if f"{base}-{number}" not in taken:
                free.append(f"{base}-{number}")
            number += 1
        return random.choice(free)  # nosec B311: spreads out retries; nothing secret

    def can_edit(self, user):
        return user.is_authenticated and (user.is_moderator or self._author_id() == user.pk)

    def can_delete(self, user):
        return user.is_authenticated and (user.is_admin or self._author_id() == user.pk)

    def can_view(self, user):
        if self.is_published:
            return True
        return user.is_authenticated and (user.is_admin or self._author_id() == user.pk)

    def _author_id(self):
        value = self._data.get("author")
        return getattr(value, "pk", None) or getattr(value, "id", None)

    @classmethod
    def published(cls):
        return cls.objects(status="published").order_by("-published_at", "-id")

    @classmethod
    def tag_counts(cls, limit=None):
        """Tags of published posts with their counts, most used first."""
        pipeline = [
            {"$unwind": "$tags"},
            {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
            {"$sort": {"count": -1, "_id": 1}},
        ]
        if limit:
            pipeline.append({"$limit": limit})
        rows = cls.objects(status="published").aggregate(pipeline)
        return [{"tag": row["_id"], "count": row["count"]} for row in rows]

    @classmethod
    def listing(cls):
        """Published posts with only the fields a list shows."""
        return cls.published().only(*cls.LIST_FIELDS)
