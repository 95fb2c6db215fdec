"""Search latency on the embedded store with 10,000 posts.

Fills an embedded store with generated posts (made with the same ``clean()``
the app runs, so they carry real search terms), and times in one run, interleaved: a two-word search page, a phrase
search page and the home page. Prints the median of each, the ratio
search/home and the database operations of one search page. Nothing is cached. Not a test.

    python bench/search_bench.py [--posts 10000] [--rounds 15] [--seed 1]
"""
import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from bson import ObjectId

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from blog import create_app  # noqa: E402
from blog import disconnect_db  # noqa: E402
from blog.models import Post, User  # noqa: E402
from blog.models.post import slugify  # noqa: E402
from blog.store import connection  # noqa: E402

SYLLABLES = "ka lo mi ten sor vu pel ra din go shi bar ne tu fal qui mor zen lu cra bel tor".split()
STOP_WORDS = "the and of to in a is that for it with as was on be at by this".split()
VOCABULARY_SIZE = 3000
TAGS = 40
USERS = 50
# Phrases that recur across posts, as collocations do in real writing.
STOCK_PHRASES = 20


def vocabulary(rng):
    words = set()
    while len(words) < VOCABULARY_SIZE:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))))
    words = sorted(words)
    rng.shuffle(words)
    return words


class Writer:
    """Random texts whose word frequencies follow Zipf's law, like natural language."""

    def __init__(self, rng):
        self.rng = rng
        self.words = vocabulary(rng)
        self.weights = [1 / (rank + 1) for rank in range(len(self.words))]
        self.phrases = [f"{self.words[40 + 2 * i]} {self.words[41 + 2 * i]}"
                        for i in range(STOCK_PHRASES)]

    def text(self, count):
        content = self.rng.choices(self.words, self.weights, k=count)
        out = []
        for word in content:
            if self.rng.random() < 0.5:
                out.append(self.rng.choice(STOP_WORDS))
            out.append(word)
            if self.rng.random() < 0.01:
                out.append(self.rng.choice(self.phrases))
        return " ".join(out)


def build_store(app, posts, seed):
    """Writes ``posts`` generated posts and their writers straight into the app's store."""
    rng = random.Random(seed)
    writer = Writer(rng)
    # One bcrypt hash for every writer: hashing 50 passwords would only slow the set-up.
    model = User(email="writer@example.com", name="Writer")
    model.set_password("correct horse battery")
    users = []
    for number in range(USERS):
        user = User(id=ObjectId(), email=f"writer{number}@example.com", name=f"Writer {number}",
                    password_hash=model.password_hash)
        user.clean()
        users.append(user)
    tags = [f"topic {word}" for word in writer.words[100:100 + TAGS]]
    now = datetime.now(timezone.utc)
    documents = []
    for number in range(posts):
        title = writer.text(rng.randint(3, 6)).capitalize()
        paragraphs = [writer.text(rng.randint(30, 90)) for _ in range(rng.randint(2, 5))]
        published = now - timedelta(minutes=number * 7)
        post = Post(id=ObjectId(), title=title, slug=f"{slugify(title)}-{number}",
                    content="\n\n".join(paragraphs), tags=rng.sample(tags, rng.randint(1, 4)),
                    status="published" if rng.random() < 0.9 else "draft",
                    author=rng.choice(users), created_at=published,
                    published_at=published)
        post.clean()
        documents.append(post.to_mongo().to_dict())
    with app.app_context(), connection.bulk_writes():
        User._get_collection().insert_many([user.to_mongo().to_dict() for user in users])
        Post._get_collection().insert_many(documents)
    return writer


def timed(client, page):
    path, params = page
    started = time.perf_counter()
    response = client.get(path, query_string=params)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{path} {params} answered {response.status_code}")
    return elapsed, response


def operations(response):
    return int(re.search(r'desc="(\d+) operations"', response.headers["Server-Timing"])[1])


def matches(response):
    found = re.search(r"([\d,]+\+?)\s+posts? match", response.get_data(as_text=True))
    return found[1] if found else "0"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        # Nothing cached (neither pages nor the tag counts), so every page is computed;
        # SLOW_QUERY_MS raised so that slow-operation warnings do not bury the figures.
        app = create_app({"MONGODB_URI": None, "SECRET_KEY": "bench",
                          "EMBEDDED_DB_PATH": os.path.join(directory, "embedded.db"),
                          "RATELIMIT_ENABLED": False, "REDIS_URL": None,
                          "CACHE_TYPE": "NullCache", "SLOW_QUERY_MS": 60_000})
        try:
            started = time.perf_counter()
            writer = build_store(app, args.posts, args.seed)
            print(f"built {args.posts} posts in {time.perf_counter() - started:.1f} s")
            run(app, writer, args.rounds)
        finally:
            disconnect_db(app)


def run(app, writer, rounds):
    client = app.test_client()
    # Words of middling frequency: each is in roughly a fifth to a third of the posts.
    two_words = f"{writer.words[30]} {writer.words[60]}"
    phrase = f'"{writer.phrases[0]}"'
    pages = {
        "home page": ("/", {}),
        f"search {two_words}": ("/search", {"q": two_words}),
        f"search {phrase}": ("/search", {"q": phrase}),
    }
    for page in pages.values():
        timed(client, page)  # the first request compiles templates and fills the stem cache
    times = {name: [] for name in pages}
    for _ in range(rounds):
        for name, page in pages.items():
            times[name].append(timed(client, page)[0])
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    home = medians["home page"]
    for name, page in pages.items():
        _, response = timed(client, page)
        detail = f"{matches(response)} matches, " if name != "home page" else ""
        print(f"{name:32} median {medians[name]:7.1f} ms  ({detail}"
              f"{operations(response)} database operations)")
    for name in list(pages)[1:]:
        print(f"ratio {name} / home page: {medians[name] / home:.2f}")


if __name__ == "__main__":
    main()
