"""``/sitemap.xml``: every visible post and tag page; ``/robots.txt``: where crawlers
may not go, and where the sitemap is."""
from flask import Blueprint, render_template

from blog.cache.lifetimes import visible_posts_lifetime
from blog.cache.pages import cached_page
from blog.cache.values import cached
from blog.models import Post
from blog.models.base import TAG_COUNTS
from blog.models.post import last_change
from blog.services import counts
from blog.web.links import external_url

bp = Blueprint("crawlers", __name__)

# The sitemap protocol's limit for one file; the newest posts are listed first.
MAX_URLS = 50_000
PRIVATE_PATHS = ("/admin", "/settings", "/auth", "/search", "/me", "/api")


@bp.route("/sitemap.xml")
@cached_page
def sitemap():
    tags = cached(TAG_COUNTS, counts.tag_counts, timeout=visible_posts_lifetime)
    room = MAX_URLS - 1 - min(len(tags), MAX_URLS // 2)
    posts = (Post.visible().only("slug", "published_at", "updated_at").limit(room)
             .as_pymongo())
    entries = [(external_url("posts.show", slug=post["slug"]),
                last_change(post.get("published_at"), post.get("updated_at")))
               for post in posts]
    tag_urls = [external_url("posts.tag", tag=row["tag"])
                for row in tags[:MAX_URLS - 1 - len(entries)]]
    body = render_template("crawlers/sitemap.xml", home=external_url("posts.index"),
                           posts=entries, tags=tag_urls)
    return body, 200, {"Content-Type": "application/xml; charset=utf-8"}


@bp.route("/robots.txt")
@cached_page
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS), "",
             f"Sitemap: {external_url('crawlers.sitemap')}", ""]
    return "\n".join(lines), 200, {"Content-Type": "text/plain; charset=utf-8"}

