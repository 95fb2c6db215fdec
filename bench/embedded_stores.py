"""What the embedded store's benchmarks share: stores of demo content, and the blog
served from one by gunicorn as in production (``gunicorn.conf.py``: one worker, 8 threads).

A store is built with ``flask seed demo`` (50 users, the posts asked for, seed 1)
and, when asked, GridFS files of random bytes, or photographs uploaded as the
uploads page stores them (cleaned, resized, with a thumbnail, through
``ImageField``), added to a copy of it; built
stores are kept in a folder so that a second benchmark can use them again, and
each run works on a copy.
"""
import contextlib
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
START_TIMEOUT = 600
USERS = 50
GRIDFS_FILE_MB = 1

ADD_GRIDFS = """
import os, sys
import gridfs
from mongoengine.connection import get_db
from blog import create_app, disconnect_db
app = create_app({"EMBEDDED_DB_PATH": sys.argv[1], "SECRET_KEY": "bench"})
with app.app_context():
    files = gridfs.GridFS(get_db())
    for number in range(int(sys.argv[2])):
        files.put(os.urandom(%d * 1024 * 1024), filename=f"bench-{number}.bin")
disconnect_db(app)
""" % GRIDFS_FILE_MB

# Photographs as a camera's noise makes them: about a megabyte each once stored.
ADD_IMAGES = """
import io, sys
from PIL import Image
from werkzeug.datastructures import FileStorage
from blog import create_app, disconnect_db
from blog.media.operations import store_image
from blog.models import User
app = create_app({"EMBEDDED_DB_PATH": sys.argv[1], "SECRET_KEY": "bench"})
with app.app_context():
    owner, stored = User.objects.order_by("created_at").first(), 0
    while stored < int(sys.argv[2]) * 1_000_000:
        photo = io.BytesIO()
        Image.effect_noise((1600, 1000), 40).convert("RGB").save(photo, "JPEG", quality=90)
        photo.seek(0)
        stored += store_image(owner, FileStorage(photo, filename="photo.jpg")).stored_bytes
disconnect_db(app)
"""


@contextlib.contextmanager
def stores_folder(kept=None):
    """The folder stores are built in: ``kept`` (made if missing), or a temporary one."""
    if kept:
        os.makedirs(kept, exist_ok=True)
        yield kept
        return
    with tempfile.TemporaryDirectory(prefix="inkwell-bench-") as folder:
        yield folder


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(store, **settings):
    """The app's settings for a run on ``store``: production, over plain HTTP."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("FLASK_", "GUNICORN_")) and key not in (
               "MONGODB_URI", "REDIS_URL", "WEB_CONCURRENCY", "EMBEDDED_DB_PATH")}
    env.update(EMBEDDED_DB_PATH=store, SECRET_KEY=secrets.token_hex(16),
               FLASK_SESSION_COOKIE_SECURE="false", FLASK_RATELIMIT_ENABLED="false",
               FLASK_SLOW_QUERY_MS="60000", FLASK_BCRYPT_ROUNDS="4", **settings)
    return env


def store_with(folder, posts, gridfs_mb=0, images_mb=0):
    """A copy of a store of ``posts`` demo posts (and ``gridfs_mb`` MB of GridFS files, or
    ``images_mb`` MB of uploaded images), built in ``folder`` the first time it is asked for."""
    name = (f"posts-{posts}" + (f"-gridfs-{gridfs_mb}" if gridfs_mb else "")
            + (f"-images-{images_mb}" if images_mb else ""))
    built = os.path.join(folder, name + ".db")
    if not os.path.exists(built):
        started = time.perf_counter()
        building = os.path.join(folder, name + ".building.db")
        _remove_store(building)
        env = environment(building)
        if gridfs_mb or images_mb:
            os.replace(store_with(folder, posts), building)
            script, amount = ((ADD_GRIDFS, gridfs_mb // GRIDFS_FILE_MB) if gridfs_mb
                              else (ADD_IMAGES, images_mb))
            subprocess.run([sys.executable, "-c", script, building, str(amount)], cwd=ROOT,
                           env=env, check=True)
        else:
            subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed", "demo",
                            "--users", str(USERS), "--posts", str(posts), "--seed", "1"],
                           cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        os.replace(building, built)
        _remove_store(building)
        print(f"built a store of {posts:,} posts"
              f"{f' and {gridfs_mb} MB of GridFS files' if gridfs_mb else ''}"
              f"{f' and {images_mb} MB of uploaded images' if images_mb else ''} in "
              f"{time.perf_counter() - started:.0f} s ({os.path.getsize(built) / 2**20:.0f} MB)",
              flush=True)
    copy = os.path.join(folder, f"run-{name}.db")
    _remove_store(copy)
    shutil.copyfile(built, copy)
    return copy


def _remove_store(path):
    for name in (path, path + "-wal", path + "-shm", path + ".lock"):
        if os.path.exists(name):
            os.remove(name)


class Server:
    """``gunicorn -c gunicorn.conf.py app:app`` on the embedded store, on a free port."""

    def __init__(self, store, port, **settings):
        self.port = port
        self.env = environment(store, GUNICORN_BIND=f"127.0.0.1:{port}", **settings)
        self.process = None
        self.started_in = None

    def __enter__(self):
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"], cwd=ROOT,
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.process.returncode}")
            try:
                if Client(self.port).get("/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.process.kill()
                raise SystemExit("gunicorn did not answer in time")
            time.sleep(0.05)
        # The worker opens the store before it serves (gunicorn.conf.py).
        self.started_in = time.perf_counter() - started
        return self

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=120)

    def _worker(self):
        with open(f"/proc/{self.process.pid}/task/{self.process.pid}/children") as children:
            return children.read().split()[0]

    def worker_rss_mb(self):
        """The resident memory of the worker, which holds the store."""
        with open(f"/proc/{self._worker()}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise SystemExit("no VmRSS for the worker")

    def worker_cpu_seconds(self):
        """The processor time the worker has used: what its start-up costs on a busy
        machine, where the time on the clock also counts the other processes' turns."""
        with open(f"/proc/{self._worker()}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Client:
    """One keep-alive connection; ``get`` and ``post`` return (status, headers, body)."""

    def __init__(self, port, cookie=None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = cookie

    def get(self, path):
        return self._send("GET", path)

    def post(self, path, body):
        return self._send("POST", path, body, {"Content-Type":
                                               "application/x-www-form-urlencoded"})

    def _send(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie" and value.startswith("session="):
                self.cookie = value.split(";")[0]
        return response.status, dict(response.getheaders()), data


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(millis):
    """median, p99 and max of latencies in milliseconds."""
    return (f"median {statistics.median(millis):6.1f} ms  p99 {percentile(millis, 0.99):6.1f} ms  "
            f"max {max(millis):6.1f} ms")
