"""Error pages for people and JSON errors for the API."""
import logging

from flask import jsonify, render_template, request
from flask.globals import request_ctx
from mongoengine import DoesNotExist, NotUniqueError, ValidationError
from pymongo.errors import (
    AutoReconnect, ConnectionFailure, ExecutionTimeout, ServerSelectionTimeoutError,
)
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from blog.models.querysets import PageNotFound
from blog.store.embedded_file import EmbeddedStoreBusy, EmbeddedStoreUnwritable
from blog.models.base import field_messages
from blog.services.indexes import MissingIndexes
from blog.web.forms import wants_json
from blog.web.templating import page_url

log = logging.getLogger("blog.errors")

TITLES = {
    400: "That request did not make sense",
    401: "Please log in",
    403: "You cannot do that",
    404: "Page not found",
    405: "Method not allowed",
    409: "That conflicts with something that exists",
    413: "That is too large",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "The blog is briefly unavailable",
}
CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests",
    500: "internal_error", 503: "unavailable",
}
RETRY_AFTER_SECONDS = 5
BAD_HOST = "This request's Host header does not name this blog."


def error_response(status, message, headers=None, link=None):
    """The error as JSON for the API, else as a page; ``link`` is ``(url, text)``, a way on
    that the page offers."""
    if wants_json():
        response = jsonify(success=False, error={"code": CODES.get(status, "error"),
                                                 "message": message})
    else:
        # A request whose Host header is not valid, or not one of TRUSTED_HOSTS, has no
        # URL adapter, so its page cannot build links: it gets one that needs none.
        template = "errors/error.html" if request_ctx.url_adapter else "errors/plain.html"
        response = render_template(template, status=status, title=TITLES.get(status, "Error"),
                                   message=message, link=link, database_down=status == 503)
    return response, status, headers or {}


def register_error_handlers(app):
    @app.errorhandler(HTTPException)
    def http_error(error):
        headers = {}
        if error.code == 405 and error.valid_methods:
            headers["Allow"] = ", ".join(error.valid_methods)
        if error.code == 429:
            headers["Retry-After"] = str(getattr(error, "retry_after", None) or 60)
        if error.code == 503:
            headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        message = error.description if error.code not in (500,) else _generic_500()
        if error.code == 400 and request_ctx.url_adapter is None:
            message = BAD_HOST
        return error_response(error.code, message, headers)

    @app.errorhandler(ValidationError)
    def invalid(error):
        fields = field_messages(error)
        message = "; ".join(f"{field}: {detail}" for field, detail in fields.items())
        return error_response(400, message or str(error.message))

    @app.errorhandler(NotUniqueError)
    def conflict(error):
        return error_response(409, "That already exists.")

    @app.errorhandler(DoesNotExist)
    def missing(error):
        return error_response(404, "There is nothing here.")

    @app.errorhandler(PageNotFound)
    def past_the_last_page(error):
        return error_response(
            404, f"There is no page {error.page}: the last page is {error.last}.",
            link=(page_url(error.last), f"Go to the last page ({error.last})"))

    @app.errorhandler(ServerSelectionTimeoutError)
    @app.errorhandler(ConnectionFailure)
    @app.errorhandler(AutoReconnect)
    @app.errorhandler(EmbeddedStoreBusy)
    @app.errorhandler(EmbeddedStoreUnwritable)
    def database_down(error):
        log.error("database unreachable: %s", error)
        return _unavailable("We cannot reach the database right now.")

    @app.errorhandler(MissingIndexes)
    def missing_indexes(error):
        log.error("%s", error)
        return error_response(503, str(error))

    @app.errorhandler(ExecutionTimeout)
    def database_too_slow(error):
        log.error("database too slow for the request's deadline: %s", error)
        return _unavailable("The database took too long to answer.")

    @app.errorhandler(InternalServerError)
    def internal(error):
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled error on %s %s", request.method, request.path,
                      exc_info=original)
        return error_response(500, _generic_500())


def _unavailable(reason):
    return error_response(503, ServiceUnavailable.description if wants_json() else
                          f"{reason} Please try again in a few seconds.",
                          {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _generic_500():
    return "The error has been logged. Please try again later."

