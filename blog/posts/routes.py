"""Reading and writing posts: the home page, posts, tags and feeds."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from mongoengine import ValidationError

from blog.cache.lifetimes import visible_posts_lifetime
from blog.comments import operations as comments
from blog.comments.forms import CommentForm
from blog.cache.pages import cached_page
from blog.cache.values import cached
from blog.extensions import limiter, user_or_address
from blog.media import operations as media
from blog.media.processing import ImageRefused
from blog.models import Post
from blog.models.base import TAG_COUNTS, utcnow
from blog.models.post import split_tags
from blog.models.querysets import load_references, referenced_id
from blog.models.revision import Revision
from blog.posts.forms import PostForm
from blog.services import counts
from blog.text.highlight import stylesheet
from blog.text.markdown import TooComplex, render_markdown, with_absolute_links
from blog.web.forms import accepts_images, apply_model_errors, page_arg
from blog.web.links import external_url
from blog.web.templating import datetime_text

bp = Blueprint("posts", __name__)

# A preview, a save, publishing and restoring a revision each render the whole text:
# one budget per writer for all of them.
edit_limit = limiter.shared_limit(lambda: current_app.config["EDIT_RATE_LIMIT"], scope="edit",
                                  key_func=user_or_address, methods=["POST"])

FEED_SIZE = 20
SIDEBAR_TAGS = 12


def _per_page():
    return current_app.config["POSTS_PER_PAGE"]


def _post_or_404(slug):
    post = Post.by_slug(slug)
    if post is None or not post.can_view(current_user):
        abort(404, description="There is no post at this address.")
    return post


@bp.route("/")
@cached_page
def index():
    page = Post.listing().paginate(page_arg(), _per_page(), related=["author"])
    tags = cached(TAG_COUNTS, counts.tag_counts, timeout=visible_posts_lifetime)
    return render_template("posts/index.html", page=page, tags=tags[:SIDEBAR_TAGS])


@bp.route("/posts/<slug>")
@cached_page
def show(slug):
    return _post_page(_post_or_404(slug))


def _post_page(post, form=None, status=200):
    """The post with its comments; ``form`` a comment that could not be saved, shown
    again with the reason."""
    threads, more = comments.threads(post, current_user)
    return render_template("posts/show.html", post=post, related=post.related(),
                           threads=threads, more_comments=more, shown_comments=comments.SHOWN,
                           comment_form=form or CommentForm(formdata=None)), status


@bp.route("/posts/<slug>/comments", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["COMMENT_RATE_LIMIT"], key_func=user_or_address)
def add_comment(slug):
    post = Post.by_slug(slug)
    if post is None or not post.is_visible:
        abort(404, description="There is no published post at this address.")
    form = CommentForm()
    if not form.validate_on_submit():
        return _post_page(post, form, 400)
    author = current_user._get_current_object()
    try:
        parent = comments.find_parent(post, form.parent.data, author)
        comment = comments.create_comment(post, author, form.body.data, parent)
    except comments.CommentRefused as refused:
        form.body.errors = list(form.body.errors) + [str(refused)]
        return _post_page(post, form, refused.status)
    except ValidationError as error:
        apply_model_errors(form, error)
        return _post_page(post, form, 400)
    if comment.is_pending:
        flash("Thank you. Your comment is awaiting approval: a moderator will look at it "
              "soon.", "info")
    else:
        flash("Your comment is up.", "success")
    return redirect(url_for("posts.show", slug=post.slug, _anchor=f"comment-{comment.pk}"))


def _previewing():
    return "preview" in request.form


@bp.route("/posts/new", methods=["GET", "POST"])
@accepts_images
@login_required
@edit_limit
@limiter.limit(lambda: current_app.config["POST_RATE_LIMIT"], key_func=user_or_address,
               methods=["POST"], exempt_when=_previewing)
def new():
    form = _post_form()
    post = Post(author=current_user._get_current_object())
    return _edit(form, post, is_new=True)


@bp.route("/posts/<slug>/edit", methods=["GET", "POST"])
@accepts_images
@login_required
@edit_limit
def edit(slug):
    post = _post_or_404(slug)
    if not post.can_edit(current_user):
        abort(403, description="Only the author, moderators and admins can edit this post.")
    form = _post_form(post)
    return _edit(form, post, is_new=False)


def _post_form(post=None):
    form = PostForm(obj=post)
    if post is not None and request.method == "GET":
        form.tags.data = ", ".join(post.tags)
        # Only a time still ahead is shown: empty keeps a time that has come.
        form.publish_at.data = post.published_at if post.appears_later else None
    return form


def _edit(form, post, is_new):
    preview = None
    status = None
    if form.validate_on_submit():
        if "preview" in request.form:
            try:
                preview = render_markdown(form.content.data)
            except TooComplex as error:
                form.content.errors = list(form.content.errors) + [str(error)]
        else:
            post.title = form.title.data
            post.content = form.content.data or ""
            post.tags = split_tags(form.tags.data)
            post.set_publish_time(form.publish_at.data)
            post.status = form.status.data
            try:
                if _save_with_cover(form, post):
                    flash(_saved_message(post, is_new), "success")
                    return redirect(url_for("posts.show", slug=post.slug))
            except ImageRefused as refused:
                form.cover.errors = [str(refused)]
                status = refused.status
    status = status or (400 if form.errors or form.form_errors else 200)
    return render_template("posts/edit.html", form=form, post=post, is_new=is_new,
                           preview=preview), status


def _save_with_cover(form, post):
    """Save the post with the cover the form sends (or without one, when asked); True once
    saved. A cover the post no longer shows goes when no other post shows it either.
    Raises ImageRefused for a file that is no image."""
    try:
        replaced = media.save_with_image(post, "cover", form.cover.data,
                                         form.remove_cover.data,
                                         current_user._get_current_object())
    except ValidationError as error:
        apply_model_errors(form, error)
        return False
    if replaced:
        media.delete_unused([replaced], referenced_id(post, "author"))
    return True


def _saved_message(post, is_new):
    if post.is_scheduled:
        return f"Scheduled for {datetime_text(post.published_at)} UTC."
    return "Post created." if is_new else "Post saved."


@bp.route("/posts/<slug>/publish", methods=["POST"])
@login_required
@edit_limit
def publish(slug):
    post = _post_or_404(slug)
    if not post.can_edit(current_user):
        abort(403, description="Only the author, moderators and admins can publish this post.")
    if post.status == "published":
        flash("This post is already published.", "info")
    else:
        post.publish()
        post.save()
        flash("Published.", "success")
    return redirect(url_for("posts.show", slug=post.slug))


@bp.route("/posts/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(slug):
    """GET asks first, naming what goes with the post; POST deletes."""
    post = _post_or_404(slug)
    if not post.can_delete(current_user):
        abort(403, description="Only the author and admins can delete this post.")
    if request.method != "POST":
        return render_template("posts/delete.html", post=post,
                               revisions=Revision.objects(post=post).count(),
                               comments=comments.comment_count(post))
    post.delete()
    flash(f"“{post.title}” was deleted.", "info")
    return redirect(url_for("posts.index"))


@bp.route("/tags/")
@cached_page
def tags():
    tags = cached(TAG_COUNTS, counts.tag_counts, timeout=visible_posts_lifetime)
    return render_template("posts/tags.html", tags=tags)


@bp.route("/tags/<tag>")
@cached_page
def tag(tag):
    tag = tag.strip().lower()
    page = Post.listing()(tags=tag).paginate(page_arg(), _per_page(), related=["author"])
    return render_template("posts/tag.html", tag=tag, page=page)


@bp.route("/code.css")
def code_stylesheet():
    """The colours of highlighted code blocks, in the site's dark code block; kept by
    browsers as fingerprinted (blog.web.fingerprints)."""
    return stylesheet(), 200, {"Content-Type": "text/css; charset=utf-8"}


@bp.route("/feed.atom")
@cached_page
def feed():
    return _atom(Post.visible(), title="All posts", self_endpoint="posts.feed",
                 page_endpoint="posts.index")


@bp.route("/tags/<tag>/feed.atom")
@cached_page
def tag_feed(tag):
    tag = tag.strip().lower()
    return _atom(Post.visible()(tags=tag), title=f"Posts tagged {tag}",
                 self_endpoint="posts.tag_feed", page_endpoint="posts.tag", tag=tag)


def _atom(posts, title, self_endpoint, page_endpoint, **values):
    """An Atom feed (RFC 4287) of the newest FEED_SIZE posts, with addresses from
    ``SITE_URL``; a tag no visible post has has no feed (404)."""
    posts = list(posts.exclude("content").limit(FEED_SIZE))
    if not posts and values:
        abort(404, description="No published post has this tag, so it has no feed.")
    load_references(posts, "author")
    entries = []
    for post in posts:
        url = external_url("posts.show", slug=post.slug)
        entries.append({"post": post, "url": url, "html": with_absolute_links(post.html, url),
                        "author_url": post.author and external_url("users.profile",
                                                                   user_id=post.author.pk)})
    # An empty blog's feed changed when it was asked for: it has nothing older to show.
    updated = max((post.changed_at for post in posts), default=utcnow())
    body = render_template("posts/feed.atom.xml", title=title, entries=entries,
                           updated=updated, home=external_url("posts.index"),
                           self_url=external_url(self_endpoint, **values),
                           page_url=external_url(page_endpoint, **values))
    return body, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}
