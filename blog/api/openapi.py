"""``GET /api/openapi.json``: the JSON API described as OpenAPI 3.1, built from the routes.

Each view under ``/api`` says what it takes and answers with ``@documented``, in
``blog.api.schemas``' terms; the description is made from the app's URL rules, so a
route without one stops the document from being built (and the tests from passing).
"""
import inspect
import re
from dataclasses import dataclass

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from blog.api import schemas

TITLE = "Inkwell JSON API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Published posts for everyone; users, statistics and the audit history for admins, "
    "who are recognised by the session cookie of a login on the site. Every answer is "
    "`{\"success\": true, \"data\": …}`, with `metadata` on lists; every error is "
    "`{\"success\": false, \"error\": {\"code\", \"message\"}}` with the status that fits.")
ERRORS = {
    400: "A parameter is not one this route takes: the message names it.",
    401: "Not logged in.",
    403: "Logged in, but not as an admin.",
    404: "Nothing at this address, or a page past the last.",
    429: "Too many requests from this address (API_RATE_LIMIT); Retry-After says when to "
         "try again.",
    503: "The database cannot be reached; Retry-After says when to try again.",
}
# Path arguments of URL rules, ``<name>`` or ``<converter:name>``.
RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")


class Undocumented(LookupError):
    """A route under /api has no ``@documented`` description."""


@dataclass(frozen=True)
class Operation:
    summary: str
    answer: type | None
    many: bool
    query: type | None
    errors: tuple
    admin: bool


def documented(summary, answer, *, many=False, query=None, errors=(), admin=False):
    """Describe an API view: ``answer`` is the schema of its ``data`` (a list of them with
    ``many``, paged when ``query`` takes ``page``; None for a bare JSON object, not in the
    envelope), ``query`` the schema of its query parameters, ``errors`` the statuses it
    answers besides those every route may (429, 503) and those ``query`` and ``admin``
    bring. The view's docstring is the operation's description."""
    def decorate(view):
        view.api_operation = Operation(summary, answer, many, query, tuple(errors), admin)
        return view
    return decorate


def api_description(app):
    """The OpenAPI document of every route under ``/api``, as a dict; built once per app."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_description(app)
    return app.extensions["openapi"]


def build_description(app):
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.1.0",
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION})
    spec.components.security_scheme("session", {
        "type": "apiKey", "in": "cookie", "name": app.config["SESSION_COOKIE_NAME"],
        "description": "The session cookie of a login on the site (POST /auth/login)."})
    spec.components.schema("Error", schema=schemas.Error)
    spec.components.schema("Metadata", schema=schemas.Metadata)
    rules = sorted((rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")),
                   key=lambda rule: rule.rule)
    for rule in rules:
        view = app.view_functions[rule.endpoint]
        operation = getattr(view, "api_operation", None)
        if operation is None:
            raise Undocumented(f"{rule.rule} ({rule.endpoint}) has no @documented description.")
        described = _operation(spec, operation, rule, inspect.getdoc(view))
        spec.path(path=RULE_ARGUMENT.sub(r"{\1}", rule.rule),
                  operations={method.lower(): described
                              for method in sorted(rule.methods - {"HEAD", "OPTIONS"})})
    return spec.to_dict()


def _operation(spec, operation, rule, description):
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in sorted(rule.arguments)]
    statuses = {429, 503, *operation.errors}
    if rule.arguments:
        statuses.add(404)
    if operation.query is not None:
        parameters.append({"in": "query", "schema": operation.query})
        statuses.add(400)
    paged = operation.query is not None and "page" in operation.query._declared_fields
    if paged:
        statuses.add(404)
    if operation.admin:
        statuses |= {401, 403}
    responses = {"200": {"description": operation.summary, "content": {
        "application/json": {"schema": _answer(spec, operation, paged)}}}}
    for status in sorted(statuses):
        responses[str(status)] = {"description": ERRORS[status], "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    described = {"summary": operation.summary, "operationId": rule.endpoint.replace(".", "_"),
                 "parameters": parameters, "responses": responses}
    if description:
        described["description"] = description
    if operation.admin:
        described["security"] = [{"session": []}]
    return described


def _answer(spec, operation, paged):
    if operation.answer is None:
        return {"type": "object"}
    name = operation.answer.__name__
    if name not in spec.components.schemas:
        spec.components.schema(name, schema=operation.answer)
    data = {"$ref": f"#/components/schemas/{name}"}
    if operation.many:
        data = {"type": "array", "items": data}
    answer = {"type": "object", "additionalProperties": False,
              "required": ["success", "data"],
              "properties": {"success": {"const": True}, "data": data}}
    if paged:
        answer["required"].append("metadata")
        answer["properties"]["metadata"] = {"$ref": "#/components/schemas/Metadata"}
    return answer
