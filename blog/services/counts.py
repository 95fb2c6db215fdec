"""The counters kept current: each save and delete moves them by what it changed.

A document class says what it adds to the counters (``counted()``, blog.models.base).
What a stored document adds is read back by ``_id`` before and after it is
saved (so one loaded with only some fields counts right), and the counters
move by the difference. A delete takes away what
the document added. ``QuerySet.update()`` and ``insert()`` send no signals:
code writing counted fields that way moves the counters itself, or the counts
are rebuilt with ``flask stats recount``.

Counts that depend on the time (a scheduled post counts once its time comes)
are stored as if every published post were visible; ``Counts`` corrects them
for the posts still waiting, which are few and read through an index.
"""
from collections import Counter as Tally

from mongoengine import signals

from blog.models import Post, document_classes
from blog.models.base import BlogDocument, utcnow
from blog.models.counter import Counter
from blog.store import connection



def connect_signals():
    """Follow the counted classes' saves and deletes. The signals are the classes', not an
    app's; connecting again changes nothing (a signal keeps one of each receiver)."""
    for document_class in _counted_classes():
        signals.pre_save.connect(_before_save, sender=document_class)
        signals.post_save.connect(_saved, sender=document_class)
        signals.post_delete.connect(_deleted, sender=document_class)


def _counted_classes():
    return [document for document in document_classes()
            if document.counted is not BlogDocument.counted]


def _before_save(sender, document, **kwargs):
    if document.pk is not None and not document._created:
        document._counted_before = _stored_counted(sender, document.pk)


def _saved(sender, document, created=False, **kwargs):
    if created:
        before, after = {}, document.counted()
    else:
        before = getattr(document, "_counted_before", {})
        after = _stored_counted(sender, document.pk)
    change = Tally(after)
    change.subtract(before)
    Counter.add({key: amount for key, amount in change.items() if amount})


def _stored_counted(document_class, pk):
    """What the document with ``pk`` adds to the counters as stored: a save writes only
    the fields it changed, so one loaded with some fields is counted with all of them."""
    stored = document_class._get_collection().find_one({"_id": pk})
    return document_class._from_son(stored).counted() if stored is not None else {}


def _deleted(sender, document, **kwargs):
    Counter.add({key: -amount for key, amount in document.counted().items()})


def ensure_built():
    """Build the counters from the documents if they never were (a new database, or
    one kept by a version without them)."""
    if not Counter.built():
        recount()


def recount():
    """Set every counter to what the documents add up to now; returns how many documents
    were read."""
    totals, read = Tally(), 0
    for document_class in _counted_classes():
        for document in document_class.objects.order_by():
            totals.update(document.counted())
            read += 1
    with connection.bulk_writes():
        Counter.replace_all({key: amount for key, amount in totals.items() if amount})
    return read


def scheduled_correction(now):
    """``{(kind, name): amount}`` that turns the stored counts into the counts at ``now``:
    the posts published for a later time count as scheduled, not yet as visible."""
    change = Tally()
    for post in Post.objects.scheduled(now).order_by():
        change.update(post.counted(now))
        change.subtract(post.counted())
    return {key: amount for key, amount in change.items() if amount}


class Counts:
    """The counters as they stand at ``now`` (default: the present), built first if they
    never were; the scheduled posts are read once for all that is asked."""

    def __init__(self, now=None):
        ensure_built()
        self.now = now or utcnow()
        self.correction = scheduled_correction(self.now)

    def values(self, keys):
        """``{(kind, name): count}`` for each of ``keys``."""
        values = Counter.values(keys)
        for key in values:
            values[key] += self.correction.get(key, 0)
        return values

    def largest(self, kind, limit=None):
        """``[(name, count)]`` of ``kind`` above zero, largest first, ties by name."""
        correction = self._of_kind(kind)
        # Posts still scheduled may lower some counts: read as many more as they could
        # push down, so the first ``limit`` after correcting are the right ones.
        rows = Counter.largest(kind, None if limit is None else limit + len(correction))
        corrected = sorted(((name, count + correction.get(name, 0)) for name, count in rows),
                           key=lambda row: (-row[1], row[0]))
        corrected = [(name, count) for name, count in corrected if count > 0]
        return corrected if limit is None else corrected[:limit]

    def how_many(self, kind):
        """How many counters of ``kind`` are above zero."""
        correction = self._of_kind(kind)
        stored = Counter.values([(kind, name) for name in correction])
        emptied = sum(1 for name, amount in correction.items()
                      if stored[(kind, name)] > 0 >= stored[(kind, name)] + amount)
        return Counter.how_many(kind) - emptied

    def _of_kind(self, kind):
        return {name: amount for (counted_kind, name), amount in self.correction.items()
                if counted_kind == kind}


def tag_counts(limit=None):
    """Tags of visible posts with their counts, most used first (ties by name)."""
    return [{"tag": tag, "count": count} for tag, count in Counts().largest("tag", limit)]
