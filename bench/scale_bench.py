"""How the embedded store scales: start-up, memory and page times by the number of posts.

For each size (none, 1,000, 10,000 and 50,000 demo posts by default; the empty
store is the same run's baseline), gunicorn serves the blog (``gunicorn.conf.py``:
one worker, 8 threads) with nothing cached, so that every page is computed from
the store. Prints the start-up time (from starting gunicorn to its first
answer: the worker loads the store before it serves), the worker's resident
memory once the pages have been served, and the median time of the home page, a
post page, a tag page and a one-word search (and of ``/healthz``, which does
not touch the posts). Not a test.

    python bench/scale_bench.py [--sizes 0,1000,10000,50000] [--rounds 15] [--stores DIR]
"""
import argparse
import json
import os
import statistics
import sys
import time

from embedded_stores import Client, Server, free_port, store_with, stores_folder

TAG = "python"
PAGES = ("/healthz", "/", "post", f"/tags/{TAG}", f"/search?q={TAG}")


def median_ms(client, path, rounds):
    times = []
    for _ in range(rounds + 1):
        started = time.perf_counter()
        status, _, _ = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
    return statistics.median(times[1:])  # the first fills the template and stem caches


def measure(posts, args):
    store = store_with(args.stores, posts)
    port = free_port()
    with Server(store, port, FLASK_CACHE_TYPE="NullCache") as server:
        client = Client(port)
        listing = json.loads(client.get("/api/posts?limit=1")[2])["data"]
        times = {}
        for page in PAGES:
            if page == "post":
                if not listing:
                    continue
                page = f"/posts/{listing[0]['slug']}"
                times["post"] = median_ms(client, page, args.rounds)
            else:
                times[page] = median_ms(client, page, args.rounds)
        rss = server.worker_rss_mb()
        started_in = server.started_in
    cells = "  ".join(f"{times[page]:8.1f}" if page in times else f"{'-':>8}" for page in PAGES)
    print(f"{posts:>7,}  {started_in:8.1f}  {rss:8.0f}  {cells}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,1000,10000,50000")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--stores", help="keep the stores built here, to use them again")
    args = parser.parse_args()
    with stores_folder(args.stores) as folder:
        args.stores = folder
        sizes = [int(size) for size in args.sizes.split(",")]
        for posts in sizes:  # built first, so that the table below is in one piece
            os.remove(store_with(args.stores, posts))
        names = "  ".join(f"{name:>8}" for name in ("healthz", "home", "post", "tag", "search"))
        print(f"\n{'posts':>7}  {'start s':>8}  {'RSS MB':>8}  {names}   (page medians in ms, "
              f"nothing cached)")
        for posts in sizes:
            measure(posts, args)


if __name__ == "__main__":
    sys.exit(main())
