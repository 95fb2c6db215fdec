"""The documents: one class per module, on the base in ``base``.

Every module of this package is imported here, so each document class is
known to ``document_classes()`` (and so gets its indexes) without being
listed anywhere else.
"""
import importlib
import pkgutil

from blog.models.base import audited_collections, document_classes

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

from blog.models.audit import AuditLog  # noqa: E402
from blog.models.post import Post  # noqa: E402
from blog.models.transfer import Transfer  # noqa: E402
from blog.models.user import User  # noqa: E402


def ensure_indexes():
    """Create the indexes every document class declares."""
    for document in document_classes():
        document.ensure_indexes()


__all__ = ["AuditLog", "Post", "Transfer", "User", "audited_collections", "document_classes",
           "ensure_indexes"]
