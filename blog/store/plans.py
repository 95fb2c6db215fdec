"""What lets the embedded store skip work, decided from a query alone.

mongomock evaluates a filter against every document and copies every
document an aggregation starts from. A server would use an index or read
fewer fields; these functions find, from the query alone, when the embedded
store can do the same without changing any result.
"""
import copy
import operator
from datetime import datetime, timezone

from bson import ObjectId
from mongomock.helpers import patch_datetime_awareness_in_document

# Values a copy can share with the store, because nothing can change them.
_SHARED = frozenset((str, int, float, bool, type(None), bytes, ObjectId))
# Values that MongoDB finds equal exactly when Python's == does. Not patterns
# (which match rather than equal), documents or arrays, nor true and false
# (which MongoDB does not equate with 1 and 0).
_PLAIN = frozenset((str, int, ObjectId))
# Stages that keep each document's fields and read only the paths they name.
_PASSING_STAGES = ("$match", "$unwind", "$sort", "$limit", "$skip")


def selected_ids(filter):
    """The ``_id`` values a filter is limited to, when it names them (``{"_id": x}``
    or ``{"_id": {"$in": [...]}}``, with or without other conditions), or None."""
    if not isinstance(filter, dict) or "_id" not in filter:
        return None
    selector = filter["_id"]
    if isinstance(selector, dict):
        if list(selector) != ["$in"] or not isinstance(selector["$in"], (list, tuple)):
            return None
        values = selector["$in"]
    elif isinstance(selector, list):
        return None
    else:
        values = [selector]
    if not all(is_plain(value) for value in values):
        return None
    return list(dict.fromkeys(values))


def is_plain(value):
    """Whether an equality condition on ``value`` can be tested with Python's ==."""
    return type(value) in _PLAIN


def copy_value(value, tz_aware):
    """A deep copy of a stored value in one pass, datetimes made aware when asked.

    The same result as mongomock's copy followed by its time zone pass, which
    walk every document twice.
    """
    if isinstance(value, dict):
        return {key: item if type(item) in _SHARED else copy_value(item, tz_aware)
                for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [item if type(item) in _SHARED else copy_value(item, tz_aware) for item in value]
    if type(value) in _SHARED:
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if tz_aware else value
    return copy.copy(value)


def inclusion_fields(projection):
    """The top-level fields a projection like ``{"title": 1, "tags": 1}`` keeps
    (``_id`` unless it says ``"_id": 0``), or None for any other projection."""
    if not isinstance(projection, dict):
        return None
    keep_id = projection.get("_id", 1)
    fields = {key: value for key, value in projection.items() if key != "_id"}
    if not fields or any("." in key or key.startswith("$") or value not in (1, True)
                         for key, value in fields.items()):
        return None
    if keep_id not in (0, 1, False, True):
        return None
    return (["_id"] if keep_id else []) + list(fields)


def fields_read(stages):
    """The top-level fields an aggregation pipeline reads from the collection, or
    None when it may need whole documents.

    Known when the pipeline ends what it takes from the documents with a
    ``$group`` or ``$count``, reached through stages that only filter, unwind,
    sort or cut them.
    """
    needed = {"_id"}
    for stage in stages:
        if not isinstance(stage, dict) or len(stage) != 1:
            return None
        (name, spec), = stage.items()
        if name == "$count":
            return needed
        if name == "$group":
            paths = _expression_fields(spec)
            return None if paths is None else needed | paths
        if name not in _PASSING_STAGES:
            return None
        paths = _stage_fields(name, spec)
        if paths is None:
            return None
        needed |= paths
    return None


def _stage_fields(name, spec):
    if name == "$match":
        return _filter_fields(spec)
    if name == "$unwind":
        path = spec.get("path") if isinstance(spec, dict) else spec
        return {_top(path[1:])} if isinstance(path, str) and path.startswith("$") else None
    if name == "$sort":
        return {_top(key) for key in spec} if isinstance(spec, dict) else None
    return set()


def _filter_fields(filter):
    if not isinstance(filter, dict):
        return None
    fields = set()
    for key, value in filter.items():
        if key in ("$and", "$or", "$nor") and isinstance(value, list):
            parts = [_filter_fields(part) for part in value]
        elif key == "$expr":
            parts = [_expression_fields(value)]
        elif key.startswith("$"):
            return None
        else:
            parts = [{_top(key)}]
        if any(part is None for part in parts):
            return None
        fields.update(*parts)
    return fields


def _expression_fields(expression):
    """Fields named by ``"$path"`` strings in an expression; None if it uses the whole document."""
    if isinstance(expression, str):
        if expression.startswith("$$"):
            return None if expression.split(".")[0] in ("$$ROOT", "$$CURRENT") else set()
        return {_top(expression[1:])} if expression.startswith("$") else set()
    if isinstance(expression, dict):
        parts = [_expression_fields(value) for value in expression.values()]
    elif isinstance(expression, (list, tuple)):
        parts = [_expression_fields(value) for value in expression]
    else:
        return set()
    return None if any(part is None for part in parts) else set().union(*parts)


def _top(path):
    return path.split(".")[0]


def simple_filter(filter):
    """A Python predicate equal to ``filter``, or None when it is not simple.

    Simple means conditions on top-level fields that are plain values,
    ``$all``/``$in``/``$nin``/``$ne`` of plain values, or ``$lt``/``$lte``/
    ``$gt``/``$gte`` of a date: the shape of the home page's, the tag pages'
    and the search's lookups of visible posts (published, their time come).
    mongomock's general evaluation of those costs about ten times as much per
    document.
    """
    if not isinstance(filter, dict) or not filter:
        return None
    tests = []
    for key, condition in filter.items():
        if key.startswith("$") or "." in key:
            return None
        key_tests = _condition_tests(condition)
        if key_tests is None:
            return None
        tests.extend((key, test) for test in key_tests)

    def matches(document):
        get = document.get
        for key, test in tests:
            if not test(get(key)):
                return False
        return True
    return matches


def _condition_tests(condition):
    if is_plain(condition):
        return [_holding(condition)]
    if not isinstance(condition, dict) or not condition:
        return None
    tests = []
    for name, operand in condition.items():
        if name == "$ne" and is_plain(operand):
            holds = _holding(operand)
            tests.append(lambda stored, holds=holds: not holds(stored))
            continue
        if name in _RANGES and isinstance(operand, datetime):
            # As the store keeps it: naive UTC, to the millisecond.
            tests.append(_dated(_RANGES[name], patch_datetime_awareness_in_document(operand)))
            continue
        if name not in ("$all", "$in", "$nin") or not isinstance(operand, (list, tuple)):
            return None
        if not all(is_plain(value) for value in operand) or (name == "$all" and not operand):
            return None
        tests.append(_TESTS[name](tuple(operand)))
    return tests


def _holding(value):
    """Equality as MongoDB tests it: an array holds a value it contains."""
    def holds(stored):
        return stored == value or (stored.__class__ is list and value in stored)
    return holds


def _holding_all(values):
    def holds_all(stored):
        if stored.__class__ is list:
            for value in values:
                if value not in stored:
                    return False
            return True
        return all(stored == value for value in values)
    return holds_all


def _holding_any(values):
    def holds_any(stored):
        if stored.__class__ is list:
            for value in values:
                if value in stored:
                    return True
            return False
        return stored in values
    return holds_any


def _holding_none(values):
    holds_any = _holding_any(values)
    return lambda stored: not holds_any(stored)


_TESTS = {"$all": _holding_all, "$in": _holding_any, "$nin": _holding_none}
_RANGES = {"$lt": operator.lt, "$lte": operator.le, "$gt": operator.gt, "$gte": operator.ge}


def _dated(compare, bound):
    """A date range as MongoDB tests it: only dates compare with a date (not null, a
    missing field or other types), and an array holds a date in range if any of its own does."""
    def holds(stored):
        if stored.__class__ is datetime:
            return compare(stored, bound)
        if stored.__class__ is list:
            for item in stored:
                if item.__class__ is datetime and compare(item, bound):
                    return True
        return False
    return holds


class _NotSimple(Exception):
    """A stage or value the Python shortcuts do not cover: mongomock runs it."""


def run_simple_stages(documents, stages):
    """Run the leading ``$unwind``/``$group`` stages of simple shape in Python.

    mongomock sorts every unwound document with its general BSON comparison to
    group them, and deep-copies each; counting tags over 10,000 posts took most
    of a second. Returns the documents and the stages still to run; on anything
    it does not cover it stops, leaving the rest to mongomock.
    """
    for position, stage in enumerate(stages):
        (name, spec), = stage.items() if isinstance(stage, dict) and len(stage) == 1 else ((0, 0),)
        try:
            if name == "$unwind":
                documents = _unwind(documents, _top_field(spec))
            elif name == "$group":
                documents = _group(documents, spec)
            else:
                return documents, stages[position:]
        except _NotSimple:
            return documents, stages[position:]
    return documents, []


def group_stored(stored_documents, stages):
    """Leading ``$unwind`` stages and a ``$group`` of simple shape, run over the
    stored documents themselves rather than copies (they are only read, and the
    groups are new documents), with the stages still to run; None when the
    pipeline does not start so. ``stored_documents()`` is called only if it does."""
    position = 0
    while position < len(stages) and _stage_name(stages[position]) == "$unwind":
        position += 1
    if position == len(stages) or _stage_name(stages[position]) != "$group":
        return None
    try:
        documents = stored_documents()
        needed = fields_read(stages)
        if position and needed is not None:
            # Each unwound document is a copy: of only the fields the group reads.
            documents = [{key: document[key] for key in needed if key in document}
                         for document in documents]
        for stage in stages[:position]:
            documents = _unwind(documents, _top_field(stage["$unwind"]))
        return _group(documents, stages[position]["$group"]), stages[position + 1:]
    except _NotSimple:
        return None


def _stage_name(stage):
    return next(iter(stage)) if isinstance(stage, dict) and len(stage) == 1 else None


def _top_field(path):
    if not isinstance(path, str) or not path.startswith("$") or "." in path or path[1:2] == "$":
        raise _NotSimple
    return path[1:]


def _unwind(documents, field):
    unwound = []
    for document in documents:
        value = document.get(field)
        if isinstance(value, list):
            unwound.extend({**document, field: item} for item in value)
        elif value is not None:
            unwound.append(document)
    return unwound


_ACCUMULATORS = ("$sum", "$avg")
# MongoDB's order of types, for the plain values a group key can be here.
_TYPE_ORDER = {type(None): 0, int: 1, float: 1, str: 2, ObjectId: 3}


def _bson_order(value):
    return _TYPE_ORDER[type(value)], value if value is not None else 0


def _group(documents, spec):
    key_field = _top_field(spec.get("_id"))
    accumulators = {}
    for output, accumulator in spec.items():
        if output == "_id":
            continue
        if not isinstance(accumulator, dict) or len(accumulator) != 1:
            raise _NotSimple
        (operator, operand), = accumulator.items()
        if operator not in _ACCUMULATORS:
            raise _NotSimple
        if type(operand) in (int, float):
            if operator != "$sum":
                raise _NotSimple
            accumulators[output] = (operator, None, operand)
        else:
            accumulators[output] = (operator, _top_field(operand), None)
    groups = {}
    for document in documents:
        key = document.get(key_field)
        if key is not None and not is_plain(key):
            raise _NotSimple
        totals = groups.setdefault(key, {output: [0, 0] for output in accumulators})
        for output, (operator, field, constant) in accumulators.items():
            value = constant if field is None else document.get(field)
            if value is None:
                continue
            if type(value) not in (int, float):
                raise _NotSimple
            totals[output][0] += value
            totals[output][1] += 1
    results = []
    for key in sorted(groups, key=_bson_order):
        result = {"_id": key}
        for output, (operator, _, _) in accumulators.items():
            total, count = groups[key][output]
            result[output] = total if operator == "$sum" else (total / count if count else None)
        results.append(result)
    return results
