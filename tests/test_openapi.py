"""``GET /api/openapi.json`` describes every /api route, and schemathesis finds every
answer as described, as a visitor and as an admin, on a blog with demo content."""
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from flask import Flask
from hypothesis import HealthCheck, given, settings

from blog import create_app, disconnect_db
from blog.api.openapi import Undocumented, build_description
from blog.models import User
from conftest import PASSWORD, make_config

ADMIN = "api-admin@example.com"


@pytest.fixture(scope="module")
def api_app():
    app = create_app(make_config())
    result = app.test_cli_runner().invoke(
        args=["seed", "demo", "--users", "6", "--posts", "30", "--seed", "11"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        admin = User(email=ADMIN, name="API Admin", role="admin")
        admin.set_password(PASSWORD)
        admin.save()
    yield app
    disconnect_db(app)


@pytest.fixture(scope="module")
def visitor_schema(api_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)


@pytest.fixture(scope="module")
def admin_schema(api_app):
    """The description, with an admin's session cookie as the credentials its security
    scheme asks for."""
    client = api_app.test_client()
    response = client.post("/auth/login", data={"email": ADMIN, "password": PASSWORD})
    assert response.status_code == 302
    name = api_app.config["SESSION_COOKIE_NAME"]
    session = client.get_cookie(name).value
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", api_app)

    @schema.auth()
    class AdminSession:
        def get(self, case, context):
            return session

        def set(self, case, data, context):
            case.cookies = {**(case.cookies or {}), name: data}

    return schema


EXAMPLES = settings(max_examples=25, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
# Schemathesis reads a WSGI app's answers as they are; over HTTP a client would unpack a
# compressed one (tests/test_delivery.py checks that they are the same).
PLAIN = {"Accept-Encoding": "identity"}
ADMIN_ROUTES = {"/api/users", "/api/stats", "/api/audit"}
# Valid values the API still refuses, for reasons a description cannot hold: a date
# the audit history cannot read, or a "from" that is not before "to".
ONLY_SOME_VALID = {"/api/audit"}


def statuses_of_every_operation(schema):
    """Hypothesis sends each operation the cases schemathesis makes from its description,
    valid ones and invalid ones, and every answer must be as described (status, content
    type, body; never a 500, an invalid request refused, a valid one taken). Returns the
    statuses each operation answered."""
    operations = [result.ok() for result in schema.get_all_operations()]
    seen = {}
    for operation in operations:
        # Invalid requests are ones breaking a query parameter's rules; a path's slug or an
        # operation that takes nothing has none.
        for mode in GenerationMode if len(operation.query) else [GenerationMode.POSITIVE]:
            @EXAMPLES
            @given(case=operation.as_strategy(generation_mode=mode))
            def answers_as_described(case):
                response = case.call_and_validate(headers=PLAIN, excluded_checks=[
                    positive_data_acceptance] if operation.path in ONLY_SOME_VALID else [])
                seen.setdefault(operation.path, set()).add(response.status_code)
            answers_as_described()
    # Every route but the description itself, which schemathesis leaves out.
    assert set(seen) == {"/api/posts", "/api/posts/{slug}", "/api/posts/{slug}/comments",
                         *ADMIN_ROUTES}
    return seen


def test_every_answer_to_a_visitor_is_as_described(visitor_schema):
    seen = statuses_of_every_operation(visitor_schema)
    assert all(seen[path] == {401} for path in ADMIN_ROUTES)
    assert {200, 400} <= seen["/api/posts"]


def test_every_answer_to_an_admin_is_as_described(admin_schema):
    seen = statuses_of_every_operation(admin_schema)
    assert all(200 in seen[path] for path in ADMIN_ROUTES)
    assert {200, 400} <= seen["/api/audit"]


def test_the_description_covers_every_api_route(api_app):
    document = api_app.test_client().get("/api/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = {(path, method.upper()) for path, item in document["paths"].items()
                 for method in item}
    for rule in api_app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = rule.rule.replace("<", "{").replace(">", "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (path, method) in described
    posts = document["paths"]["/api/posts"]["get"]
    assert {p["name"] for p in posts["parameters"]} == {"q", "tag", "author", "page", "limit"}
    assert {"200", "400", "404", "429", "503"} <= set(posts["responses"])
    users = document["paths"]["/api/users"]["get"]
    assert {"401", "403"} <= set(users["responses"]) and users["security"]
    user_fields = document["components"]["schemas"]["UserItem"]["properties"]
    assert "password" not in str(user_fields) and "email" in user_fields


def test_a_route_under_api_without_a_description_stops_the_document():
    app = Flask(__name__)
    app.add_url_rule("/api/extra", "extra", lambda: "")
    with pytest.raises(Undocumented, match=r"/api/extra \(extra\)"):
        build_description(app)
