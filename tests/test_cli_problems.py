"""The ``flask`` command as a person meets it in a shell, in a subprocess: while
``make run`` holds the embedded store, and without a SECRET_KEY, it lists its
commands and says in one line what is wrong, never with a traceback."""
import os
import subprocess
import sys

import pytest

from blog.commands import COMMANDS
from conftest import ROOT
from servers import server_environment

pytestmark = pytest.mark.slow

# Opens the store as the server's first request would, then holds it until stdin closes.
HOLD_STORE = """
import sys
from blog import create_app
from blog.store import connection
app = create_app({"SECRET_KEY": "x", "EMBEDDED_DB_PATH": sys.argv[1]})
with app.app_context():
    connection.ping()
print("holding", flush=True)
sys.stdin.read()
"""
GROUPS = [command.name for command in COMMANDS if hasattr(command, "commands")]


def flask(environ, *args):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                          env=environ, capture_output=True, text=True, timeout=60)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "embedded.db"


@pytest.fixture
def held_store(store):
    """The store held by another process, as ``make run`` holds it; yields its pid."""
    environ = server_environment(store)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_STORE, str(store)], cwd=ROOT,
                              env=environ, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield holder.pid
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def assert_lists_every_command(result):
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    listed = result.stdout.split("Commands:")[1]
    for command in COMMANDS:
        assert f"\n  {command.name} " in listed, f"{command.name} is missing from --help"


def assert_one_line_error(result, *expected):
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]


def test_while_another_process_holds_the_store(held_store, store):
    environ = server_environment(store, FLASK_DEBUG="1")
    assert_lists_every_command(flask(environ, "--help"))
    for group in GROUPS:
        result = flask(environ, group, "--help")
        assert result.returncode == 0 and "Commands:" in result.stdout, result.stderr
    for command in (["seed", "demo"], ["create-admin", "boss@example.com", "--password",
                                       "long enough"]):
        assert_one_line_error(flask(environ, *command), "already open in",
                              f"process {held_store}", f"kill {held_store}")


def test_without_a_secret_key(store):
    environ = server_environment(store)
    del environ["SECRET_KEY"]
    assert_lists_every_command(flask(environ, "--help"))
    assert flask(environ, "seed", "--help").returncode == 0
    assert_one_line_error(flask(environ, "seed", "demo"), "SECRET_KEY is not set",
                          "FLASK_DEBUG=1")
    assert not os.path.exists(store), "nothing was written"
    # A server (gunicorn imports app:app) refuses to start rather than serve without one.
    served = subprocess.run([sys.executable, "-c", "import app"], cwd=ROOT, env=environ,
                            capture_output=True, text=True, timeout=60)
    assert served.returncode != 0 and "SECRET_KEY is not set" in served.stderr
