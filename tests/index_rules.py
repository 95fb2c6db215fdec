"""MongoDB's equality-sort-range rule, applied to recorded queries and declared indexes.

A query is served by an index when its equality fields form a prefix of the
index, the sort fields follow in order (all in the index's direction or all
reversed), and the range fields come after them. A lookup by ``_id`` or by a
unique field is served by that field's index whatever else it asks.
Negations (``$ne``, ``$nin``) narrow nothing an index could seek to: they are
checked on the entries the rest of the query selects, so they need no place
in the index (a query of nothing else reads the whole collection).
"""
import re
from dataclasses import dataclass

from blog.models import document_classes
from blog.models.image import GRIDFS_COLLECTION

# GridFS collections are indexed by the driver, not by a document's meta: its default
# collections and the images'.
GRIDFS_INDEXES = {
    f"{prefix}.{collection}": specs for prefix in ("fs", GRIDFS_COLLECTION)
    for collection, specs in (
        ("files", [{"fields": [("filename", 1), ("uploadDate", 1)], "unique": False}]),
        ("chunks", [{"fields": [("files_id", 1), ("n", 1)], "unique": True}]))
}
EQUALITY_OPERATORS = {"$eq", "$in", "$all"}
NEGATIONS = {"$ne", "$nin"}


@dataclass(frozen=True)
class Conditions:
    """One branch of a filter: the fields compared for equality, and the others."""
    equality: frozenset
    ranges: frozenset


def declared_indexes():
    """``{collection: [{"fields": [(field, direction)], "unique": bool}]}`` as the documents
    declare them, with each collection's ``_id`` index."""
    found = {name: list(specs) for name, specs in GRIDFS_INDEXES.items()}
    for document in document_classes():
        name = document._get_collection_name()
        specs = [{"fields": [(field, direction) for field, direction in spec["fields"]],
                  "unique": bool(spec.get("unique"))}
                 for spec in document._meta.get("index_specs", [])]
        found.setdefault(name, []).extend(specs)
    for specs in found.values():
        specs.insert(0, {"fields": [("_id", 1)], "unique": True})
    return found


def branches(filter):
    """The filter as the branches a server plans separately: one per ``$or`` clause."""
    equality, ranges, alternatives = set(), set(), []
    for key, value in filter.items():
        if key == "$and":
            for part in value:
                alternatives.append(branches(part))
        elif key in ("$or", "$nor"):
            options = [branch for part in value for branch in branches(part)]
            if key == "$nor":
                options = [Conditions(frozenset(), branch.equality | branch.ranges)
                           for branch in options]
            alternatives.append(options)
        elif key.startswith("$"):
            ranges.add(key)
        elif isinstance(value, dict) and value and all(op.startswith("$") for op in value):
            if set(value) & EQUALITY_OPERATORS and not set(value) - EQUALITY_OPERATORS:
                equality.add(key)
            elif set(value) <= NEGATIONS:
                continue
            else:
                ranges.add(key)
        elif isinstance(value, re.Pattern):
            ranges.add(key)
        else:
            equality.add(key)
    result = [Conditions(frozenset(equality), frozenset(ranges - equality))]
    for options in alternatives:
        result = [Conditions(done.equality | option.equality,
                             (done.ranges | option.ranges) - done.equality - option.equality)
                  for done in result for option in options]
    return result


def serving_index(conditions, sort, indexes):
    """The first index (its fields) that serves one branch with ``sort``, or None."""
    for spec in indexes:
        fields = spec["fields"]
        if spec["unique"] and all(name in conditions.equality for name, _ in fields):
            return fields
        if _serves(fields, conditions, sort):
            return fields
    return None


def _serves(fields, conditions, sort):
    names = [name for name, _ in fields]
    equality = conditions.equality
    prefix = len(equality)
    if set(names[:prefix]) != equality:
        return False
    position = prefix
    sorted_fields = [(name, direction) for name, direction in sort if name not in equality]
    if sorted_fields:
        following = fields[position:position + len(sorted_fields)]
        if [name for name, _ in following] != [name for name, _ in sorted_fields]:
            return False
        same = all(direction == mine for (_, direction), (_, mine) in zip(following, sorted_fields))
        flipped = all(direction == -mine
                      for (_, direction), (_, mine) in zip(following, sorted_fields))
        if not (same or flipped):
            return False
        position += len(sorted_fields)
    ranges = conditions.ranges - {name for name, _ in sorted_fields}
    if not ranges <= set(names[position:]):
        return False
    return bool(equality or sorted_fields or ranges)


def suggested_index(conditions, sort):
    """The index that would serve a branch: equality fields, then sort, then range."""
    equality = sorted(conditions.equality)
    sorted_fields = [(name, direction) for name, direction in sort if name not in equality]
    ranges = sorted(conditions.ranges - {name for name, _ in sorted_fields})
    parts = [f'"{name}"' for name in equality]
    parts += [f'"{"-" if direction < 0 else ""}{name}"' for name, direction in sorted_fields]
    parts += [f'"{name}"' for name in ranges]
    return "(" + ", ".join(part.replace('"_id"', '"id"').replace('"-_id"', '"-id"')
                           for part in parts) + ")"
