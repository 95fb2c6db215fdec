"""Requests per second of the anonymous home page under gunicorn, with and without the cache.

Seeds an embedded store with ``flask seed demo`` in a temporary folder, starts
a redis-server of its own, then runs, one after the other and each under
gunicorn with 1 worker and 8 threads, driven by wrk on loopback:

- a bare Flask app answering "hello" (bench/hello_app.py): the ceiling;
- the blog with the Redis cache;
- the blog with no cache at all (``FLASK_CACHE_TYPE=NullCache``).

Prints the requests per second of each and the ratios cached/ceiling and
cached/uncached. Not a test; needs wrk and redis-server (apt-get install wrk
redis-server).

    python bench/cache_bench.py [--posts 10000] [--seconds 10] [--connections 16]
"""
import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
START_TIMEOUT = 120


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def need(program):
    if shutil.which(program) is None:
        raise SystemExit(f"{program} is not installed (apt-get install {program}).")


def seed(env, posts):
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "seed", "demo", "--posts",
                    str(posts), "--seed", "1"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    print(f"seeded {posts} posts in {time.perf_counter() - started:.0f} s", flush=True)


def start_redis(folder):
    port = free_port()
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                                "--save", "", "--appendonly", "no", "--dir", folder],
                               stdout=subprocess.DEVNULL)
    wait_for(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close())
    return process, f"redis://127.0.0.1:{port}/0"


def wait_for(check):
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return check()
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit("a server did not start in time")
            time.sleep(0.2)


def get(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, dict(response.headers), response.read()


class Gunicorn:
    """One gunicorn with the settings every run shares: 1 worker, 8 threads."""

    def __init__(self, target, cwd, env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "gthread",
             "--threads", "8", "--timeout", "300", "--bind", f"127.0.0.1:{self.port}", target],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self):
        wait_for(lambda: get(self.url))
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def requests_per_second(url, seconds, connections):
    output = subprocess.run(
        ["wrk", "--threads", "1", "--connections", str(connections), "--duration",
         f"{seconds}s", "--timeout", "60s", url], capture_output=True, text=True,
        check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"wrk saw errors:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])


def measure(name, target, cwd, env, args, check=None, slow=False):
    """Requests per second of ``target``'s home page.

    A slow page (about a second each) is not warmed up with a burst, whose
    queue would still be draining when the measurement starts, and is measured
    for at least 30 s.
    """
    seconds = max(args.seconds, 30) if slow else args.seconds
    with Gunicorn(target, cwd, env) as server:
        for _ in range(3):
            status, headers, body = get(server.url)
        if status != 200 or (check and not check(headers, body)):
            raise SystemExit(f"{name}: unexpected answer {status} {headers}")
        if not slow:
            requests_per_second(server.url, 2, args.connections)
        rate = requests_per_second(server.url, seconds, args.connections)
    print(f"{name:<24} {rate:>9.1f} req/s  ({seconds} s, {args.connections} connections)",
          flush=True)
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    need("wrk")
    need("redis-server")
    folder = tempfile.mkdtemp(prefix="inkwell-bench-")
    env = {key: value for key, value in os.environ.items()
           if key not in ("MONGODB_URI", "REDIS_URL", "FLASK_DEBUG")}
    env.update(SECRET_KEY=secrets.token_hex(16),
               EMBEDDED_DB_PATH=os.path.join(folder, "embedded.db"))
    seed(env, args.posts)
    redis, redis_url = start_redis(folder)
    try:
        ceiling = measure("hello (ceiling)", "hello_app:app", BENCH, env, args)
        cached = measure("home page, Redis cache", "app:app", ROOT,
                         dict(env, REDIS_URL=redis_url), args,
                         check=lambda headers, body: '"0 operations"' in headers["Server-Timing"]
                         and b"Inkwell" in body)
        uncached = measure("home page, no cache", "app:app", ROOT,
                           dict(env, FLASK_CACHE_TYPE="NullCache"), args,
                           check=lambda headers, body: b"Inkwell" in body, slow=True)
    finally:
        redis.terminate()
        redis.wait()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"cached / ceiling:  {cached / ceiling:.2f}  (target >= 0.5)")
    print(f"cached / uncached: {cached / uncached:.0f}")


if __name__ == "__main__":
    main()
