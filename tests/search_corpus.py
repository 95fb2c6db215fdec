"""A fixed set of posts written for the search tests.

Each post has a short key, a distinct title (so its slug is the slugified
title) and a publication day: a higher day is newer. Drafts and archived
posts share words with published ones, so that a search showing them fails.
"""
from datetime import datetime, timedelta, timezone

from blog.models import Post, User
from blog.models.post import slugify

EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)
SCRIPT = '<script>alert("x")</script>'
WALK_BEFORE = ("We left the village at dawn and followed the old drovers' road past the "
               "chapel, the ruined mill, three stiles and a field of sleepy sheep, then "
               "down through the beech wood where the path turns to mud after rain and "
               "the stream races along brown beside it until the valley opens out")
WALK_AFTER = ("and watched us for a while before it lifted away over the reeds toward the "
              "far bank where the fishermen were packing up their rods and bags in the "
              "last of the afternoon light as the wind turned cold")

# key: (title, tags, content, status, day, author)
POSTS = {
    "cafe-lisbon": ("Café culture in Lisbon", ["travel"],
                    "Small espresso bars line every street. The pastéis de nata are worth the "
                    "queue.", "published", 10, "ann"),
    "naive-coffee": ("A naïve guide to coffee", ["coffee"],
                     "Order at the CAFE counter and pay before you sit.", "published", 12, "ann"),
    "runs-river": ("Morning runs by the river", ["fitness"], "Five kilometres before breakfast.",
                   "published", 20, "ann"),
    "started-running": ("How I started running", ["fitness"],
                        "It began with one slow lap of the park.", "published", 15, "ann"),
    "training-diary": ("Training diary", ["fitness"], "I run every day, even in the wet.",
                       "published", 25, "ann"),
    "data-mapping": ("Notes on data mapping", ["python"],
                     "We map documents with mongo-engine in this project.", "published", 30,
                     "ann"),
    "mappers": ("Object mappers compared", ["python"],
                "MongoEngine and ODMantic take different paths.", "published", 31, "ann"),
    "engine-tuning": ("Mongo engine tuning", ["databases"], "Indexes matter more than hardware.",
                      "published", 5, "ann"),
    "flask-views": ("Testing Flask views", ["python", "testing"],
                    "Use the test client to call views.", "published", 40, "ann"),
    "flask-deploy": ("Deploying Flask", ["python"], "Gunicorn behind nginx is enough.",
                     "published", 41, "ann"),
    "fixtures": ("Pytest fixtures explained", ["testing"], "Fixtures make each test a few lines.",
                 "published", 42, "ann"),
    "green-tea": ("Brewing green tea", ["tea"], "Water just off the boil keeps green tea sweet.",
                  "published", 50, "ann"),
    "tea-gardeners": ("Tea for gardeners", ["tea"], "A tea green with envy: matcha.",
                      "published", 51, "ann"),
    "green-black": ("Green and black tea compared", ["tea"], "Black tea is oxidised; green is not.",
                    "published", 52, "ann"),
    "draft-tea": ("Green tea secrets", ["tea"], "Compost, green tea, harbour, heron.", "draft", 53,
                  "ann"),
    "archived-tea": ("Green tea archive", ["tea", "compost"], "Compost, green tea, harbour, heron.",
                     "archived", 54, "ann"),
    "oolong": ("Oolong at altitude", ["tea"], "Taiwanese oolong tea grows on misty slopes.",
               "published", 55, "ann"),
    "cat-hat": ("Reading aloud", ["books"], "We read The Cat in the Hat twice.", "published", 60,
                "ann"),
    "costumes": ("Costume ideas", ["books"], "A cat hat made of felt.", "published", 61, "ann"),
    "green-garden": ("A green garden in winter", ["gardening"], "Evergreens and moss keep colour.",
                     "published", 70, "ann"),
    "gradient": ("Gradient descent by hand", ["machine learning", "python"],
                 "A small worked example with numbers.", "published", 80, "ann"),
    "compost-basics": ("Compost basics", ["soil"], "Layers of leaves and kitchen scraps.",
                       "published", 90, "bob"),
    "kitchen-scraps": ("Kitchen scraps", ["compost"], "Peelings rot quickly in summer.",
                       "published", 95, "ann"),
    "weekend-jobs": ("Weekend jobs", ["soil"], "Turn the compost heap and water the beds.",
                     "published", 99, "ann"),
    "heap-trouble": ("Compost heap troubleshooting", ["soil"], "A cold heap needs more nitrogen.",
                     "published", 85, "bob"),
    "tomatoes": ("Compost for tomatoes", ["soil"], "Soak a spadeful from the heap for a week.",
                 "published", 98, "ann"),
    "long-walk": ("Notes from a long walk", ["walking"],
                  f"{WALK_BEFORE} and a heron stood in the shallows {WALK_AFTER}.\n\n"
                  f"Somebody had chalked `{SCRIPT}` on the bridge.", "published", 120, "bob"),
    **{f"harbour-{week}": (f"Letter from the harbour, week {week}", ["letters"],
                           f"Boats, gulls and weather for week {week}.", "published", 100 + week,
                           "bob")
       for week in range(1, 14)},
    "harbour-draft": ("Letter from the harbour, unsent", ["letters"], "Not finished.", "draft",
                      200, "bob"),
}


def slug(key):
    return slugify(POSTS[key][0])


def slugs(*keys):
    return [slug(key) for key in keys]


def load_corpus(app):
    """Save every post of the corpus; returns the authors by key."""
    with app.app_context():
        authors = {}
        for key, name in (("ann", "Ann Archer"), ("bob", "Bob Baker")):
            authors[key] = User(email=f"{key}@example.com", name=name)
            authors[key].set_password("correct horse battery")
            authors[key].save()
        for title, tags, content, status, day, author in POSTS.values():
            published_at = EPOCH + timedelta(days=day) if status == "published" else None
            Post(title=title, tags=tags, content=content, status=status, author=authors[author],
                 published_at=published_at, created_at=EPOCH + timedelta(days=day)).save()
        return authors


PUBLISHED = {slug(key) for key, post in POSTS.items() if post[3] == "published"}
