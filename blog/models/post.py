"""Posts: Markdown content, tags, a publishing status and a permanent slug.

A post is *visible* (on every list, feed, search, count and API answer, and
readable by anyone) when it is published and its publish time has come; a
published post whose time is still ahead is *scheduled*. ``PostQuerySet.visible``
is the one place that rule becomes a query, and ``Post.is_visible`` the one
place it is checked on a loaded post: nothing runs when the time comes, the
queries compare with the current time.
"""
import math
import re
import secrets
import string

from bson import ObjectId
from mongoengine import (
    CASCADE, DateTimeField, IntField, ListField, NotUniqueError, ObjectIdField, Q,
    ReferenceField, StringField, ValidationError,
)

from slugify import slugify as make_slug

from blog.models.base import (
    PAGES, STATISTICS, TAG_COUNTS, TimestampedDocument, aware, month_name, utcnow,
)
from blog.models.image import Image
from blog.models.querysets import BlogQuerySet, referenced_id
from blog.models.user import User
from blog.text.analysis import index_fields
from blog.text.markdown import TooComplex, excerpt, plain_text, render_markdown

STATUSES = ("draft", "published", "archived")
# How the writer's dashboard groups posts: a published post still waiting for
# its publish time is "scheduled".
SHOWN_STATUSES = ("draft", "scheduled", "published", "archived")
MAX_TITLE = 200
MAX_CONTENT = 100_000
MAX_TAGS = 10
MAX_TAG_LENGTH = 30
MAX_SLUG = 80
SLUG_SUFFIX_LENGTH = 4
# The longest slug: a title's, then "-" and a suffix when the title's was taken
# (and room for the longer numbers earlier versions added).
MAX_SLUG_WITH_SUFFIX = MAX_SLUG + 8
SLUG_ATTEMPTS = 20
WORDS_PER_MINUTE = 200
RELATED_SHOWN = 3
# Related posts are chosen among this many newest posts sharing a tag, so a common
# tag costs a page of the tag index rather than every post carrying it.
RELATED_CANDIDATES = 200
SLUG_ALPHABET = string.ascii_lowercase + string.digits
TAG = re.compile(r"^\w[\w .+#-]*$")
# An image of this blog in a post's Markdown: ![…](/media/<id>), its thumbnail too.
MEDIA_LINK = re.compile(r"/media/([0-9a-f]{24})\b")


def slugify(title):
    """A readable address from a title in any script: ``Привет мир`` is ``privet-mir``.

    Letters are transliterated to ASCII (python-slugify), cut at a word boundary;
    a title with nothing to transliterate (emoji, symbols) is ``post``.
    """
    return make_slug(title, max_length=MAX_SLUG, word_boundary=True) or "post"


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


class PostQuerySet(BlogQuerySet):
    def visible(self, now=None):
        """Posts everyone may read: published, with their publish time come."""
        return self.filter(status="published", published_at__lte=now or utcnow())

    def not_visible(self, now=None):
        """Drafts, archived posts and scheduled posts: what only their editors see."""
        return self.filter(Q(status__ne="published") | Q(published_at__gt=now or utcnow()))

    def scheduled(self, now=None):
        """Published posts whose publish time is still ahead."""
        return self.filter(status="published", published_at__gt=now or utcnow())


class Post(TimestampedDocument):
    title = StringField(required=True, max_length=MAX_TITLE)
    slug = StringField(max_length=MAX_SLUG_WITH_SUFFIX, unique=True)
    content = StringField(default="", max_length=MAX_CONTENT, multiline=True)
    html = StringField(default="", multiline=True)
    excerpt = StringField(default="")
    tags = ListField(StringField(max_length=MAX_TAG_LENGTH))
    status = StringField(choices=STATUSES, default="draft")
    # Deleting an account deletes its posts, each with its own audit entry.
    author = ReferenceField(User, required=True, reverse_delete_rule=CASCADE)
    published_at = DateTimeField(null=True)
    # An image a post shows is never deleted (blog.media.operations), so no delete rule.
    cover = ReferenceField(Image, null=True)
    # The images the post shows (its cover, and those its text links to), filled by clean():
    # an image is in use while a post lists it.
    images = ListField(ObjectIdField())
    # Filled by clean() from the title, tags and text (blog.search.analysis).
    search_terms = ListField(StringField())
    title_terms = ListField(StringField())
    tag_terms = ListField(StringField())
    # One line each for the title, the tags and the text, so a phrase stays within one.
    stemmed_text = StringField(default="", multiline=True)
    # Its visible comments: changed by $inc as comments come, go and change status
    # (blog.models.comment), so that a list of posts shows it without a query per post.
    comment_count = IntField(default=0)

    meta = {
        "collection": "post",
        # Each list's filter, then its order with the id that breaks ties, so a server
        # reads a page from the index rather than sorting every match (equality
        # fields, then the sort, then ranges: tests/test_indexes.py checks each query).
        "indexes": [
            ("status", "-published_at", "-id"),                    # home page, feeds, sitemap
            ("tags", "status", "-published_at", "-id"),            # a tag's page, related posts
            ("search_terms", "status", "-published_at", "-id"),    # search candidates
            ("author", "status", "-published_at", "-id"),          # a profile's posts
            # The writer's own posts, newest change first: all of them, the ones not
            # visible yet (by publish time), and one status at a time.
            ("author", "-updated_at", "-id", "published_at"),
            ("author", "status", "-updated_at", "-id", "published_at"),
            ("images", "-id"),                                     # the posts showing an image
        ],
        "ordering": ["-published_at", "-created_at"],
        "queryset_class": PostQuerySet,
    }

    audited = True

    LIST_FIELDS = ("id", "title", "slug", "excerpt", "tags", "status", "author", "created_at",
                   "updated_at", "published_at", "cover", "comment_count")

    def __str__(self):
        return self.title

    def audit_label(self):
        return self.title or str(self.pk or "")

    def stale_groups(self, created=False):
        return (PAGES, TAG_COUNTS, STATISTICS)

    def counted(self, now=None):
        """One post of its status, written in its month; once visible (stored: once
        published), one more for its month of publication, each of its tags and its author."""
        visible = self.status == "published" and self.published_at is not None and (
            now is None or aware(self.published_at) <= now)
        status = "scheduled" if self.status == "published" and not visible else self.status
        amounts = {("posts", status): 1}
        if self.created_at is not None:
            amounts[("written", f"{month_name(self.created_at)} {status}")] = 1
        if visible:
            amounts[("published", month_name(self.published_at))] = 1
            amounts.update({("tag", tag): 1 for tag in self.tags or ()})
            author = self._author_id()
            if author is not None:
                amounts[("author", str(author))] = 1
        return amounts

    @property
    def is_visible(self):
        """Published, with its publish time come: the rule ``PostQuerySet.visible`` queries."""
        return (self.status == "published" and self.published_at is not None
                and not self.appears_later)

    @property
    def is_scheduled(self):
        return self.status == "published" and self.appears_later

    @property
    def appears_later(self):
        """Its publish time is still ahead (a scheduled post, or a draft planned for later)."""
        return self.published_at is not None and aware(self.published_at) > utcnow()

    @property
    def shown_status(self):
        """The status as the writer's dashboard names it (one of SHOWN_STATUSES)."""
        return "scheduled" if self.is_scheduled else self.status

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
        if isinstance(self.content, str) and len(self.content) <= MAX_CONTENT:
            try:
                self.html = render_markdown(self.content)
            except TooComplex as error:
                errors["content"] = str(error)
        if errors:
            raise ValidationError("Invalid post", errors=errors)
        if isinstance(self.content, str) and len(self.content) <= MAX_CONTENT:
            self.excerpt = excerpt(self.html)
            if isinstance(self.title, str):
                for name, value in self.search_fields().items():
                    setattr(self, name, value)
        self.images = self.shown_images()
        if not self.slug and isinstance(self.title, str):
            self.slug = slugify(self.title)
        now = utcnow()
        if self.status == "published" and self.published_at is None:
            self.published_at = now
        self.stamp(now)

    def search_fields(self):
        """The search fields as the analyser makes them from this post now.

        ``clean()`` stores them on every save; ``flask search reindex`` rewrites
        them for posts saved before the analyser changed.
        """
        html = self.html or render_markdown(self.content)
        return index_fields(self.title, self.tags, plain_text(html))

    @property
    def cover_id(self):
        """The cover image's id, without loading the image."""
        return referenced_id(self, "cover")

    def shown_images(self):
        """The ids of the images this post shows: its cover, then those its text links to."""
        found = [self.cover_id] if self.cover_id else []
        for match in MEDIA_LINK.finditer(self.content or ""):
            image_id = ObjectId(match[1])
            if image_id not in found:
                found.append(image_id)
        return found

    def save(self, *args, **kwargs):
        """Save; a new post whose slug is taken gets a random suffix (``notes-k3x9``).

        The suffix is random rather than ``-2``, ``-3`` …, which would tell
        whether someone else's hidden draft has the same title.
        """
        for _ in range(SLUG_ATTEMPTS):
            try:
                return super().save(*args, **kwargs)
            except NotUniqueError as error:
                if "slug" not in str(error) or not self._created:
                    raise
                self.slug = f"{slugify(self.title)}-{_random_suffix()}"
        raise NotUniqueError(f"no free slug for {self.title!r}")

    def set_publish_time(self, moment):
        """Appear at ``moment`` (aware) once published. None means now, or the time the
        post was first published if it has been. The same minute again (a form shows
        times to the minute) changes nothing."""
        if moment is None:
            if self.appears_later:
                self.published_at = None
        elif self.published_at is None or _to_minute(aware(self.published_at)) != moment:
            self.published_at = moment

    def publish(self):
        """Published now, or at the time it was first published if it has been."""
        self.set_publish_time(None)
        self.status = "published"

    def can_edit(self, user):
        return user.is_authenticated and (user.is_moderator or self._author_id() == user.pk)

    def can_delete(self, user):
        return user.is_authenticated and (user.is_admin or self._author_id() == user.pk)

    def can_view(self, user):
        """Anyone sees a visible post; a draft, an archived or a scheduled post only
        those who may edit it."""
        return self.is_visible or self.can_edit(user)

    def _author_id(self):
        value = self._data.get("author")
        return getattr(value, "pk", None) or getattr(value, "id", None)

    @classmethod
    def by_slug(cls, slug):
        """The post at this address, or None (also for text too long to be a slug)."""
        if not isinstance(slug, str) or len(slug) > MAX_SLUG_WITH_SUFFIX:
            return None
        return cls.objects(slug=slug).first()

    @classmethod
    def visible(cls):
        """The visible posts, newest first."""
        return cls.objects.visible().order_by("-published_at", "-id")

    @classmethod
    def next_publication(cls):
        """When the next scheduled post becomes visible, or None when none is waiting."""
        upcoming = cls.objects.scheduled().order_by("published_at").only("published_at").first()
        return aware(upcoming.published_at) if upcoming else None

    @property
    def reading_minutes(self):
        """Minutes to read the post at WORDS_PER_MINUTE, at least one."""
        return max(1, math.ceil(len(plain_text(self.html).split()) / WORDS_PER_MINUTE))

    @property
    def changed_at(self):
        """When the post last changed as readers see it: its publication, or a later edit."""
        return last_change(self.published_at, self.updated_at)

    @property
    def updated_after_publishing(self):
        return (self.published_at is not None and self.updated_at is not None
                and aware(self.updated_at) > aware(self.published_at))

    def related(self, limit=RELATED_SHOWN):
        """Up to ``limit`` other visible posts sharing the most tags with this one, newest
        first among equals, in one query: dicts with slug, title and published_at. They
        are chosen among the RELATED_CANDIDATES newest posts sharing a tag."""
        if not self.tags:
            return []
        shared = {"$size": {"$filter": {"input": "$tags",
                                        "cond": {"$in": ["$$this", list(self.tags)]}}}}
        return list(Post.objects.visible()(tags__in=list(self.tags), id__ne=self.pk).aggregate([
            {"$sort": {"published_at": -1, "_id": -1}},
            {"$limit": RELATED_CANDIDATES},
            {"$project": {"slug": 1, "title": 1, "published_at": 1, "shared": shared}},
            {"$sort": {"shared": -1, "published_at": -1, "_id": -1}},
            {"$limit": limit},
        ]))

    @classmethod
    def status_counts(cls, posts, now=None):
        """``{status: count}`` of ``posts`` (a queryset) for every one of SHOWN_STATUSES."""
        rows = posts.aggregate([{"$group": {"_id": shown_status_expression(now or utcnow()),
                                            "count": {"$sum": 1}}}])
        found = {row["_id"]: row["count"] for row in rows}
        return {status: found.get(status, 0) for status in SHOWN_STATUSES}

    @classmethod
    def listing(cls):
        """Visible posts, newest first, with only the fields a list shows."""
        return cls.visible().only(*cls.LIST_FIELDS)


def shown_status_expression(now):
    """A post's status as an aggregation expression, "scheduled" for a published post
    whose time is still ahead (the rule of ``PostQuerySet.visible``)."""
    return {"$cond": [{"$and": [{"$eq": ["$status", "published"]},
                                {"$gt": ["$published_at", now]}]},
                      "scheduled", "$status"]}


def last_change(published_at, updated_at):
    """The later of a post's publication and its last edit (None when it has neither): a
    post published on a schedule changed for its readers when it appeared."""
    times = [aware(moment) for moment in (published_at, updated_at) if moment]
    return max(times) if times else None


def _to_minute(moment):
    return moment.replace(second=0, microsecond=0)


def _random_suffix():
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(SLUG_SUFFIX_LENGTH))
