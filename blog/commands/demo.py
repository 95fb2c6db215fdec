"""Realistic demo content: users with profiles, tagged Markdown posts, and comments.

Everything comes from one ``random.Random(seed)``, so a seed gives the same
users and posts (dates are relative to the day the seed runs).
"""
import io
import random
from datetime import datetime, timedelta, timezone

import bcrypt
from bson import ObjectId
from PIL import Image as PillowImage
from PIL import ImageDraw
from werkzeug.datastructures import FileStorage

from blog.media.operations import store_image
from blog.models import Post, User
from blog.models.base import aware
from blog.models.comment import Comment
from blog.models.user import DEFAULT_BCRYPT_ROUNDS

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "inkwell-admin"
DEMO_USER_PASSWORD = "inkwell-demo"
SPREAD_DAYS = 730
# Some users get an avatar and some published posts a cover, drawn here with Pillow;
# a few of each are enough to show them, and keep seeding a large blog quick.
AVATAR_SHARE, MAX_AVATARS = 0.3, 8
COVER_SHARE, MAX_COVERS = 0.2, 12
COVER_SIZE = (1200, 630)
PICTURE_COLOURS = [(47, 91, 211), (35, 72, 170), (26, 127, 75), (154, 103, 0), (180, 35, 24),
                   (91, 100, 117), (29, 35, 48), (240, 196, 80), (120, 170, 230)]

FIRST_NAMES = [
    "Ada", "Grace", "Alan", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Guido",
    "Radia", "Tim", "Karen", "Edsger", "Hedy", "Donald", "Sophie", "Bjarne", "Joan", "John",
    "Katherine", "Niklaus", "Lynn", "Yukihiro", "Anita", "Brian", "Elena", "Rasmus", "Mary",
    "Leslie", "Shafi", "Whitfield", "Carol", "James", "Marta", "Andrés", "Chloé", "Zoë", "Søren",
]
LAST_NAMES = [
    "Lovelace", "Hopper", "Turing", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie",
    "Allen", "Rossum", "Perlman", "Berners-Lee", "Spärck Jones", "Dijkstra", "Lamarr", "Knuth",
    "Wilson", "Stroustrup", "Clarke", "McCarthy", "Johnson", "Wirth", "Conway", "Matsumoto",
    "Borg", "Kernighan", "García", "Lerdorf", "Shaw", "Lamport", "Goldwasser", "Diffie", "Shaw",
    "Gosling", "Núñez", "Müller", "Dubois", "Kowalski", "Nakamura",
]
BIOS = [
    "Writes about databases, caching and the places where they disagree.",
    "Backend developer. Likes small tools, long walks and well-named variables.",
    "Teaches Python on weekdays and bakes sourdough at weekends.",
    "Recovering perfectionist. Ships anyway.",
    "Open-source maintainer; answers issues faster than email.",
    "",
]
TOPICS = {
    "python": ["Python", "generators", "type hints", "asyncio", "packaging", "decorators"],
    "flask": ["Flask", "blueprints", "the application factory", "Jinja templates", "sessions"],
    "mongodb": ["MongoDB", "aggregation pipelines", "indexes", "replica sets", "change streams"],
    "testing": ["pytest", "property-based testing", "fixtures", "test doubles", "flaky tests"],
    "security": ["CSRF", "password hashing", "content security policy", "rate limiting"],
    "performance": ["caching", "query plans", "N+1 queries", "profiling", "connection pools"],
    "devops": ["gunicorn", "reverse proxies", "zero-downtime deploys", "backups", "logging"],
    "design": ["API design", "naming things", "error messages", "pagination", "forms"],
    "career": ["code review", "mentoring", "writing documentation", "on-call", "estimates"],
    "frontend": ["CSS grid", "accessible forms", "responsive layouts", "progressive enhancement"],
}
EXTRA_TAGS = ["tutorial", "opinion", "til", "deep-dive", "beginner", "tooling", "web",
              "databases", "architecture", "productivity", "redis", "markdown", "linux"]
# "{matters}" and "{meets}" agree with the subject: "Why flaky tests matter".
TITLE_PATTERNS = [
    "A practical guide to {subject}", "What I learned about {subject} this year",
    "{Subject} in ten minutes", "Why {subject} {matters} more than you think",
    "Getting {subject} right the first time", "Five mistakes with {subject}",
    "{Subject}: a field guide", "Notes on {subject} and {other}",
    "How we tamed {subject}", "From zero to {subject}", "The quiet power of {subject}",
    "{Subject} without the hype", "Debugging {subject} at 3 a.m.",
    "Rethinking {subject} for small teams", "When {subject} {meets} {other}",
]
# Subjects ending in "s" that still take a singular verb.
SINGULAR_SUBJECTS = {"naming things"}
SENTENCES = [
    "Most of the time the simplest version is also the one that survives production.",
    "We measured before changing anything, and the numbers surprised us.",
    "It is tempting to reach for a new library, but the standard tools already cover this.",
    "The trick is to make the common case fast and the rare case correct.",
    "Every error message is a tiny piece of documentation, so write it for a tired person.",
    "A good test describes behaviour a user would notice, not the shape of the code.",
    "Indexes are a promise about how you will read your data later.",
    "Caching is easy; knowing when the cached answer is wrong is the hard part.",
    "We kept the first version deliberately boring, and it paid off.",
    "The logs told a different story from the dashboard, and the logs were right.",
    "Small pull requests get better reviews than large ones, every single time.",
    "Once the data model was right, most of the code wrote itself.",
    "Naming the thing properly took longer than building it.",
    "Nothing beats reading the documentation of the version you actually run.",
    "Our first benchmark was wrong because the cache was warm.",
    "The migration ran overnight and nobody noticed, which is the best possible outcome.",
]
CODE_SAMPLES = [
    ("python", "def paginate(items, page, size=10):\n    start = (page - 1) * size\n    return items[start:start + size]"),
    ("python", "@app.route(\"/healthz\")\ndef healthz():\n    return {\"status\": \"ok\"}"),
    ("javascript", "db.posts.aggregate([\n  { $unwind: \"$tags\" },\n  { $group: { _id: \"$tags\", count: { $sum: 1 } } }\n])"),
    ("bash", "gunicorn --workers 2 --threads 8 --bind 127.0.0.1:8000 app:app"),
]


COMMENT_OPENERS = [
    "Thanks for writing this up.", "Great post!", "This matches what we saw in production.",
    "I had never thought about it this way.", "Small correction:", "Bookmarked.",
    "We tried this last year.", "Nice explanation.", "Interesting, but I am not convinced.",
    "Finally someone says it.", "This saved me an afternoon.",
]
COMMENT_SENTENCES = [
    "The part about {subject} was the clearest explanation I have read.",
    "Have you measured how {subject} behaves under load?",
    "We ended up doing the opposite with {subject}, and it worked for us.",
    "Would love a follow-up on {subject} and testing.",
    "The code sample needs a `try`/`finally`, or the connection leaks.",
    "Our team keeps a checklist for this; the **first item** is always monitoring.",
    "I disagree a little: it depends on how big the team is.",
    "Shared this with my colleagues.",
    "The [official docs](https://example.com/docs) say the same, more briefly.",
    "What about the case where the cache is cold?",
    "It took me years to learn this the hard way.",
]
REPLIES = [
    "Good point, thanks!", "Agreed.", "Not in my experience, but it may depend on the setup.",
    "I will write about that next.", "Exactly what I was going to say.",
    "Fair. The post could say that more clearly.", "Do you have numbers for that?",
]
SPAM = [
    "Cheap watches at [best prices](https://spam.example/a), [here](https://spam.example/b) "
    "and [here](https://spam.example/c)!",
    "Great post. Visit https://spam.example/x and https://spam.example/y and www.spam.example",
]
# A demo comment within this many days of today may still be waiting for a moderator.
RECENT_DAYS = 10
REPLY_SHARE = 0.3
RECENT_SHARE = 0.12


def _utc_day_start():
    now = datetime.now(timezone.utc)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class DemoContent:
    def __init__(self, seed=None):
        self.random = random.Random(seed)
        self.today = _utc_day_start()
        self._demo_hash = None
        # Its own sequence, so that the pictures leave the users and posts of a seed as they were.
        self.pictures = random.Random(seed)
        self.avatars = self.covers = 0

    def _password_hash(self):
        """One hash shared by the demo users: hashing each at cost 12 would take minutes."""
        if self._demo_hash is None:
            self._demo_hash = bcrypt.hashpw(DEMO_USER_PASSWORD.encode(),
                                            bcrypt.gensalt(DEFAULT_BCRYPT_ROUNDS)).decode()
        return self._demo_hash

    def _past(self, days=SPREAD_DAYS):
        return self.today - timedelta(days=self.random.uniform(0, days))

    def users(self, count):
        """Write ``count`` users, yielding each once saved."""
        rng = self.random
        taken = set(User.objects.scalar("email"))
        for _ in range(count):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            base = f"{first}.{last}".lower().replace(" ", "")
            email, number = f"{base}@example.com", 2
            while email in taken:
                email, number = f"{base}{number}@example.com", number + 1
            taken.add(email)
            role = rng.choices(["user", "moderator"], weights=[92, 8])[0]
            age = rng.choice([None] + list(range(18, 71))) if rng.random() < 0.85 else None
            user = User(email=email, name=f"{first} {last}", role=role,
                        password_hash=self._password_hash(), created_at=self._past())
            user.profile.bio = rng.choice(BIOS)
            user.profile.age = age
            if self.avatars < MAX_AVATARS and self.pictures.random() < AVATAR_SHARE:
                self.avatars += 1
                # Its id first, so that the avatar can name its owner and the user is
                # saved once.
                user.id = ObjectId()
                user.avatar = store_image(user, self._picture((256, 256), "avatar.png"),
                                          kind="avatar")
            user.save()
            yield user

    def posts(self, count, authors):
        """Write ``count`` posts by ``authors``, yielding each once saved."""
        if not authors:
            raise ValueError("there are no users to write posts; seed users first")
        rng = self.random
        weights = [rng.paretovariate(1.5) for _ in authors]
        for _ in range(count):
            topic = rng.choice(list(TOPICS))
            subject, other = rng.sample(TOPICS[topic], 2)
            title = demo_title(rng.choice(TITLE_PATTERNS), subject, other)
            tags = [topic] + rng.sample(EXTRA_TAGS, rng.randint(0, 3))
            status = rng.choices(["published", "draft", "archived"], weights=[80, 14, 6])[0]
            created_at = self._past()
            post = Post(title=title, content=self._body(subject, other), tags=tags,
                        status=status, author=rng.choices(authors, weights=weights)[0],
                        created_at=created_at, updated_at=created_at)
            if status != "draft":
                # Published a while after it was written, and not changed since.
                post.published_at = created_at + timedelta(hours=rng.uniform(0, 48))
                post.updated_at = post.published_at
            if (status == "published" and self.covers < MAX_COVERS
                    and self.pictures.random() < COVER_SHARE):
                self.covers += 1
                post.cover = store_image(post.author, self._picture(COVER_SIZE, "cover.jpg"))
            post.save()
            yield post

    def _picture(self, size, filename):
        """An abstract picture as an uploaded file: a gradient of two of the site's colours
        and a few circles and bars."""
        rng = self.pictures
        width, height = size
        top, bottom, *shapes = rng.sample(PICTURE_COLOURS, 5)
        picture = PillowImage.new("RGB", size)
        draw = ImageDraw.Draw(picture)
        for y in range(height):
            share = y / max(1, height - 1)
            draw.line([(0, y), (width, y)], fill=tuple(
                round(a + (b - a) * share) for a, b in zip(top, bottom)))
        for colour in shapes:
            x, y = rng.randrange(width), rng.randrange(height)
            radius = rng.randint(height // 8, height // 3)
            if rng.random() < 0.6:
                draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
            else:
                draw.rectangle((x - radius, y - radius // 4, x + radius, y + radius // 4),
                               fill=colour)
        output = io.BytesIO()
        picture.save(output, "PNG" if filename.endswith(".png") else "JPEG", quality=88)
        output.seek(0)
        return FileStorage(output, filename=filename)


    def comments(self, count, posts, people):
        """Write ``count`` comments by ``people`` on the visible ones of ``posts``, yielding
        each once saved: popular posts get many, about a third are replies, and recent
        ones (a few of them spam with links) still wait for a moderator."""
        rng = self.random
        posts = [post for post in posts if post.is_visible]
        if not posts or not people:
            return
        weights = [rng.paretovariate(1.2) for _ in posts]
        threads = {}
        now = datetime.now(timezone.utc)
        for _ in range(count):
            post = rng.choices(posts, weights=weights)[0]
            earlier = threads.get(post.pk, [])
            parent = rng.choice(earlier) if earlier and rng.random() < REPLY_SHARE else None
            after = aware(parent.created_at if parent else post.published_at)
            created_at = min(now, after + timedelta(days=rng.expovariate(1 / 20),
                                                    minutes=rng.uniform(1, 600)))
            if rng.random() < RECENT_SHARE:
                # Old posts still draw comments: this week's are what the queue holds.
                created_at = max(created_at, now - timedelta(days=rng.uniform(0, RECENT_DAYS)))
            recent = (now - created_at).days < RECENT_DAYS
            if parent is None and recent and rng.random() < 0.15:
                body, status = rng.choice(SPAM), "pending"
            else:
                body = self._comment_body(post, parent)
                status = rng.choices(["visible", "pending", "hidden"],
                                     weights=[55, 40, 5] if recent else [95, 0, 5])[0]
            comment = Comment(post=post, author=rng.choice(people), parent=parent, body=body,
                              status=status, created_at=created_at, updated_at=created_at)
            comment.save()
            if parent is None and status == "visible":
                threads.setdefault(post.pk, []).append(comment)
            yield comment

    def _comment_body(self, post, parent):
        rng = self.random
        if parent is not None:
            return rng.choice(REPLIES)
        subject = post.tags[0] if post.tags else "this"
        sentences = [rng.choice(COMMENT_OPENERS)] + [
            sentence.format(subject=subject)
            for sentence in rng.sample(COMMENT_SENTENCES, rng.randint(1, 3))]
        return " ".join(sentences)

    def _body(self, subject, other):
        rng = self.random
        parts = [" ".join(rng.sample(SENTENCES, 3)) + f" This post is about {subject}."]
        parts.append(f"## Why {subject}\n\n" + " ".join(rng.sample(SENTENCES, 4)))
        if rng.random() < 0.6:
            items = rng.sample(SENTENCES, 3)
            parts.append("Three things to remember:\n\n" + "\n".join(f"- {s}" for s in items))
        if rng.random() < 0.5:
            language, code = rng.choice(CODE_SAMPLES)
            parts.append(f"```{language}\n{code}\n```")
        parts.append(f"## {subject[0].upper() + subject[1:]} and {other}\n\n"
                     + " ".join(rng.sample(SENTENCES, 3))
                     + " See [the documentation](https://example.com/docs) for more.")
        return "\n\n".join(parts)


def demo_title(pattern, subject, other):
    """A title from ``pattern``, its verbs agreeing with ``subject``."""
    plural = subject.endswith("s") and subject not in SINGULAR_SUBJECTS
    return pattern.format(subject=subject, Subject=subject[0].upper() + subject[1:],
                          other=other, matters="matter" if plural else "matters",
                          meets="meet" if plural else "meets")


def demo_admin():
    """The demo admin account, created if missing."""
    admin = User.by_email(DEMO_ADMIN_EMAIL)
    if admin is None:
        admin = User(email=DEMO_ADMIN_EMAIL, name="Demo Admin", role="admin")
        admin.set_password(DEMO_ADMIN_PASSWORD)
        admin.profile.bio = "Looks after this blog."
        admin.profile.age = 42
        admin.save()
    return admin
