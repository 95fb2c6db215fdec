"""Password reset timing: whether the answer takes as long for an address with an account as
for one without, with a real SMTP server (aiosmtpd's sink, from requirements-dev.txt) in a
process of its own, as a mail server would be.

Opens the app in memory with ``--users`` accounts and times, interleaved, ``--rounds``
POSTs to /auth/reset for an address that has an account and for one that does not. Before
each timed request it waits until the previous message was delivered, so that no send on a
mail thread overlaps a timed request: each request is timed with the mail threads idle. Prints the median and the 90th percentile of each kind
and their difference. Not a test.

    python bench/reset_bench.py [--users 1000] [--rounds 40]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests"))

from blog import create_app, disconnect_db  # noqa: E402
from blog.models import User  # noqa: E402
from blog.services import audit  # noqa: E402
from helpers import free_port  # noqa: E402
from mail_server import mail_threads_idle  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_mail_server():
    """aiosmtpd's sink, which takes every message and keeps none, on a free port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink",
         "-l", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process, f"smtp://127.0.0.1:{port}"
        except OSError:
            if time.monotonic() > deadline:
                process.kill()
                raise SystemExit("the SMTP server did not start")
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()

    server, url = start_mail_server()
    app = create_app({"TESTING": True, "SECRET_KEY": "bench", "BCRYPT_ROUNDS": 4,
                      "MONGODB_URI": f"mongomock://bench-{uuid.uuid4().hex[:8]}",
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "REDIS_URL": None, "MAIL_URL": url})
    try:
        with app.app_context(), audit.suppressed():
            for number in range(args.users):
                user = User(email=f"person{number}@example.com", name=f"Person {number}")
                user.password_hash = "$2b$04$" + "x" * 53
                user.save()
        client = app.test_client()
        for email in ("person0@example.com", "nobody@example.com"):  # templates compiled
            client.post("/auth/reset", data={"email": email})
        timings = {"with an account": [], "without one": []}
        for round_number in range(args.rounds):
            for kind, email in (("with an account", f"person{round_number}@example.com"),
                                ("without one", f"nobody{round_number}@example.com")):
                mail_threads_idle(app)
                started = time.perf_counter()
                response = client.post("/auth/reset", data={"email": email})
                timings[kind].append(time.perf_counter() - started)
                assert response.status_code == 200, response.status_code
        mail_threads_idle(app)
        for kind, values in timings.items():
            print(f"{kind:>16}: median {statistics.median(values) * 1000:6.2f} ms, "
                  f"90th percentile {percentile(values, 0.9) * 1000:6.2f} ms")
        difference = statistics.median(timings["with an account"]) - \
            statistics.median(timings["without one"])
        print(f"difference of the medians: {difference * 1000:+.2f} ms")
    finally:
        disconnect_db(app)
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
