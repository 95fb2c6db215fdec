"""Which cached values each change makes stale, forgotten as the change is saved.

Each document class names the groups its saves and deletes make stale
(``stale_groups``, blog.models.base). Signals fire for ``save()`` and
``delete()`` only: code that writes with ``update_one`` (the points service)
forgets what it changed itself.
"""
from mongoengine import signals

from blog.cache import values
from blog.models import document_classes

_connected = False


def connect_signals():
    """Once per process: the signals are the document classes', not an app's."""
    global _connected
    if _connected:
        return
    for document_class in document_classes():
        signals.post_save.connect(_saved, sender=document_class)
        signals.post_delete.connect(_deleted, sender=document_class)
    _connected = True


def _saved(sender, document, created=False, **kwargs):
    values.forget(*document.stale_groups(created))


def _deleted(sender, document, **kwargs):
    values.forget(*document.stale_groups())
