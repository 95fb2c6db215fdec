"""Small things many tests need: a free port, a form's CSRF token, a page's
database operations, and waiting on a condition rather than for a fixed time."""
import re
import socket
import threading
import time

import pytest

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
OPERATIONS = re.compile(r'desc="(\d+) operations"')


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def csrf_token(html):
    """The CSRF token of the first form in ``html``."""
    match = CSRF_TOKEN.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def operations(response):
    """How many database operations a response says it cost (its Server-Timing header)."""
    return int(OPERATIONS.search(response.headers["Server-Timing"])[1])


def wait_until(condition, timeout=30, interval=0.05, message="the condition never held"):
    """Call ``condition()`` until it returns something true, and return that; fail after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{message} within {timeout} s")
        time.sleep(interval)


def finishes_within(seconds, work):
    """``work()``'s result; fails if it has not finished within ``seconds`` (a bound
    for pathological slowness, many times the normal time)."""
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        except BaseException as error:  # handed to the test's thread below
            outcome["error"] = error
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        pytest.fail(f"still running after {seconds} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]
