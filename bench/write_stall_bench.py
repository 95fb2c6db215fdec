"""How long a write makes the other requests wait, on the embedded store.

For each size (10,000 and 50,000 demo posts by default, with 50 MB of GridFS
files in the store as well; with ``--images-mb``, a store without images and then
the same store with that many MB of uploaded images), gunicorn serves the blog (``gunicorn.conf.py``: one
worker, 8 threads) while four readers fetch posts through the JSON API
(``/api/posts/<slug>``: a lookup by a unique key, whose own cost does not grow
with the store) as fast as they can: first with nothing else going on (the
baseline of the same run), then while one author saves a new post through the
site every 2 seconds. Prints, for each phase, the readers' median, p99 and
maximum latency and how many reads took over 50 ms; the same of the time each
read spent in the store (its ``Server-Timing``: waiting for the store's lock
included, the HTTP and Python around it not); and the writer's save times.
Not a test.

    python bench/write_stall_bench.py [--sizes 10000,50000] [--gridfs-mb 50] [--images-mb 50]
                                      [--seconds 20] [--stores DIR]
"""
import argparse
import json
import re
import sys
import threading
import time
import urllib.parse

from embedded_stores import Client, Server, free_port, store_with, stores_folder, summary

READERS = 4
WRITE_EVERY = 2.0
STALL_MS = 50
PASSWORD = "write stall benchmark"
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
STORE_TIME = re.compile(r"dur=([\d.]+)")


def read_posts(port, slugs, stop, latencies, in_store):
    client = Client(port)
    number = 0
    while not stop.is_set():
        slug = slugs[number % len(slugs)]
        started = time.perf_counter()
        status, headers, _ = client.get(f"/api/posts/{slug}")
        latencies.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"/api/posts/{slug} answered {status}")
        in_store.append(float(STORE_TIME.search(headers["Server-Timing"])[1]))
        number += 1


def form(client, page, path, fields):
    """Send a form the way its page does, with the page's CSRF token."""
    token = CSRF.search(client.get(page)[2].decode())[1]
    status, headers, _ = client.post(path, urllib.parse.urlencode({**fields,
                                                                    "csrf_token": token}))
    if status != 302:
        raise SystemExit(f"{path} answered {status}")
    return headers


def write_posts(port, stop, saves):
    """Save a post every WRITE_EVERY seconds, as one author would through the site."""
    client = Client(port)
    form(client, "/auth/register", "/auth/register", {
        "email": "stall@example.com", "name": "Writer", "password": PASSWORD,
        "password_confirm": PASSWORD})
    body = "A paragraph of a new post, long enough to look like one. " * 40
    number = 0
    next_save = time.monotonic()
    while not stop.wait(max(0.0, next_save - time.monotonic())):
        started = time.perf_counter()
        form(client, "/posts/new", "/posts/new", {
            "title": f"Written during the benchmark {number}", "content": body,
            "tags": "bench", "status": "published"})
        saves.append((time.perf_counter() - started) * 1000)
        number += 1
        next_save += WRITE_EVERY


def phase(port, slugs, seconds, writing):
    latencies, in_store, saves, stop = [], [], [], threading.Event()
    threads = [threading.Thread(target=read_posts,
                                args=(port, slugs, stop, latencies, in_store))
               for _ in range(READERS)]
    if writing:
        threads.append(threading.Thread(target=write_posts, args=(port, stop, saves)))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return latencies, in_store, saves


def measure(posts, args, gridfs_mb=0, images_mb=0):
    store = store_with(args.stores, posts, gridfs_mb, images_mb)
    port = free_port()
    with Server(store, port):
        listing = json.loads(Client(port).get("/api/posts?limit=100")[2])
        slugs = [item["slug"] for item in listing["data"]]
        for slug in slugs:
            Client(port).get(f"/api/posts/{slug}")
        stored = (f"{images_mb} MB of uploaded images" if images_mb
                  else f"{gridfs_mb} MB of GridFS files")
        print(f"\n{posts:,} posts, {stored}, {READERS} readers:")
        for name, writing in (("no writer (baseline)", False),
                              (f"a save every {WRITE_EVERY:.0f} s", True)):
            latencies, in_store, saves = phase(port, slugs, args.seconds, writing)
            stalls = sum(1 for value in latencies if value > STALL_MS)
            print(f"  {name:22} {len(latencies):6} reads  {summary(latencies)}  "
                  f"over {STALL_MS} ms: {stalls}", flush=True)
            print(f"  {'  in the store':22} {'':12} {summary(in_store)}", flush=True)
            if saves:
                print(f"  {'the saves':22} {len(saves):6} posts  {summary(saves)}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--gridfs-mb", type=int, default=50)
    parser.add_argument("--images-mb", type=int, default=0,
                        help="compare a store without images with one holding this many MB")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--stores", help="keep the stores built here, to use them again")
    args = parser.parse_args()
    with stores_folder(args.stores) as folder:
        args.stores = folder
        for posts in (int(size) for size in args.sizes.split(",")):
            if args.images_mb:
                measure(posts, args)
                measure(posts, args, images_mb=args.images_mb)
            else:
                measure(posts, args, gridfs_mb=args.gridfs_mb)


if __name__ == "__main__":
    sys.exit(main())
