"""The blog under gunicorn in a subprocess, and a client that uses it as a browser would.

For the tests that need a real server process: one that can be killed, or that
many clients use at once. The server listens on a free loopback port, and
every wait here is bounded.
"""
import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from conftest import ROOT
from helpers import csrf_token, free_port

GUNICORN_CONF = os.path.join(ROOT, "gunicorn.conf.py")
START_TIMEOUT = 30
REQUEST_TIMEOUT = 30
# Settings of the shell that runs the tests must not leak into the server.
APP_ENVIRONMENT = re.compile(r"^(FLASK_|MONGODB_URI$|REDIS_URL$|SECRET_KEY$|EMBEDDED_DB_PATH$"
                             r"|MAIL_URL$|MAIL_FROM$|RESET_TOKEN_MINUTES$"
                             r"|WEB_CONCURRENCY$|GUNICORN_)")


def server_environment(store_path, **settings):
    """A production configuration on the embedded store in ``store_path``, over plain HTTP."""
    environ = {name: value for name, value in os.environ.items()
               if not APP_ENVIRONMENT.match(name)}
    environ.update({
        "EMBEDDED_DB_PATH": str(store_path),
        "SECRET_KEY": "server-test-secret",
        "FLASK_SESSION_COOKIE_SECURE": "false",
        "FLASK_RATELIMIT_ENABLED": "false",
        # Fast hashing: the tests measure the store and the server, not bcrypt.
        "FLASK_BCRYPT_ROUNDS": "4",
    })
    environ.update(settings)
    return environ


class GunicornServer:
    """``gunicorn -c gunicorn.conf.py app:app`` on a free loopback port."""

    def __init__(self, environ, log_path):
        self.environ = environ
        self.log_path = log_path
        self.url = None
        self.process = None

    def start(self):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        with open(self.log_path, "ab") as log:
            # A session of its own, so that a kill reaches the master and its worker.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", GUNICORN_CONF,
                 "--bind", f"127.0.0.1:{port}", "app:app"],
                cwd=ROOT, env=self.environ, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n"
                                   f"{self.log_tail()}")
            try:
                if Client(self.url, timeout=2).get("/healthz").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT} s:\n"
                           f"{self.log_tail()}")

    def kill(self):
        """SIGKILL to the master and its worker at once: a crash, with no chance to save."""
        self._signal_group(signal.SIGKILL)

    def stop(self):
        """A graceful stop, as a deployment's restart sends it."""
        self._signal_group(signal.SIGTERM)

    def _signal_group(self, signum):
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signum)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines=40):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return "".join(log.readlines()[-lines:])


def run_cli(environ, *args):
    """``flask --app app ARGS`` with the server's settings; returns its output."""
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=ROOT,
                            env=environ, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@dataclass
class Response:
    status: int
    headers: dict
    text: str

    @property
    def location(self):
        return self.headers.get("Location", "")

    @property
    def page_title(self):
        match = re.search(r"<title>(.*?)</title>", self.text, re.S)
        return match.group(1).strip() if match else self.text[:200]

    def json(self):
        return json.loads(self.text)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """One visitor: cookies kept, redirects not followed, forms sent with their CSRF token."""

    def __init__(self, base_url, timeout=REQUEST_TIMEOUT):
        self.base_url = base_url
        self.timeout = timeout
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirects())
        self._csrf_token = None

    def get(self, path):
        return self._send(urllib.request.Request(self.base_url + path))

    def post_form(self, path, fields, token_page="/posts/new"):
        """Send a form as its page would, with the CSRF token read from ``token_page``."""
        if self._csrf_token is None:
            self._csrf_token = csrf_token(self.get(token_page).text)
        body = urllib.parse.urlencode({**fields, "csrf_token": self._csrf_token}).encode()
        response = self._send(urllib.request.Request(self.base_url + path, data=body))
        if response.status == 302 and path.startswith("/auth/"):
            self._csrf_token = None  # logging in or out starts a new session
        return response

    def register(self, email, name, password):
        return self.post_form("/auth/register", {
            "email": email, "name": name, "password": password, "password_confirm": password},
            token_page="/auth/register")

    def login(self, email, password):
        return self.post_form("/auth/login", {"email": email, "password": password},
                              token_page="/auth/login")

    def _send(self, request):
        try:
            with self._opener.open(request, timeout=self.timeout) as reply:
                return Response(reply.status, dict(reply.headers), reply.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, dict(error.headers), error.read().decode())
