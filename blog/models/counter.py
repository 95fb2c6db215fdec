"""Counts kept current as documents change, so statistics read a few numbers, not every post.

Each counter is one number with a ``kind`` (``tag``, ``posts``, ``published`` …)
and a ``name`` within it (the tag, the status, the month). A document class
says what it adds to which counters in ``counted()`` (blog.models.base), and
blog.services.counts moves the counters by the difference on every save and
delete. Counters are written with ``$inc`` only, never read-modify-write, so
concurrent changes add up.
"""
from mongoengine import IntField, StringField

from blog.models.base import BlogDocument

# The counter whose presence says the counts were built from the documents; until
# then (a new database, or one from before counters) reads build them first.
BUILT = "built:"


def counter_id(kind, name):
    return f"{kind}:{name}"


class Counter(BlogDocument):
    id = StringField(primary_key=True)
    kind = StringField(required=True)
    name = StringField(required=True)
    count = IntField(default=0)

    meta = {
        "collection": "counter",
        # The largest counters of a kind first (the most used tags), ties by name.
        "indexes": [("kind", "-count", "name")],
    }

    def __str__(self):
        return f"{self.kind} {self.name}: {self.count}"

    @classmethod
    def add(cls, amounts):
        """Add ``{(kind, name): amount}`` to the counters, creating those that are new."""
        collection = cls._get_collection()
        for (kind, name), amount in amounts.items():
            if amount:
                collection.update_one({"_id": counter_id(kind, name)},
                                      {"$inc": {"count": amount},
                                       "$setOnInsert": {"kind": kind, "name": name}},
                                      upsert=True)

    @classmethod
    def values(cls, keys):
        """``{(kind, name): count}`` for each of ``keys``, 0 for a counter not yet made."""
        found = {(row["kind"], row["name"]): row["count"] for row in cls.objects(
            pk__in=[counter_id(kind, name) for kind, name in keys]).as_pymongo()}
        return {key: found.get(key, 0) for key in keys}

    @classmethod
    def largest(cls, kind, limit=None):
        """``[(name, count)]`` of the counters of ``kind`` above zero, largest first,
        ties by name; all of them when ``limit`` is None."""
        rows = cls.objects(kind=kind, count__gt=0).order_by("-count", "name").only(
            "name", "count")
        if limit is not None:
            rows = rows.limit(limit)
        return [(row["name"], row["count"]) for row in rows.as_pymongo()]

    @classmethod
    def how_many(cls, kind):
        """How many counters of ``kind`` are above zero."""
        return cls.objects(kind=kind, count__gt=0).count()

    @classmethod
    def built(cls):
        return cls.objects(pk=BUILT).only("id").first() is not None

    @classmethod
    def replace_all(cls, amounts):
        """Make the counters exactly ``{(kind, name): count}``: set each, remove the rest,
        and mark them built."""
        collection = cls._get_collection()
        wanted = {counter_id(kind, name) for kind, name in amounts} | {BUILT}
        for (kind, name), count in amounts.items():
            collection.update_one({"_id": counter_id(kind, name)},
                                  {"$set": {"kind": kind, "name": name, "count": count}},
                                  upsert=True)
        collection.delete_many({"_id": {"$nin": list(wanted)}})
        collection.update_one({"_id": BUILT}, {"$set": {"kind": "built", "name": "", "count": 1}},
                              upsert=True)
