"""A post's earlier versions: the list, one compared with the current text, and restoring it."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from blog.models import Post
from blog.models.revision import Revision
from blog.posts.routes import edit_limit
from blog.revisions.operations import restore as restore_revision
from blog.text.diff import is_changed, word_diff
from blog.web.forms import page_arg

bp = Blueprint("revisions", __name__)

PER_PAGE = 20
# Revision numbers in a path: past this, not a number any post has reached.
MAX_NUMBER = 999_999_999
LIST_FIELDS = ("number", "title", "tags", "author", "author_name", "created_at")


def _editable_post(slug):
    """The post, for someone who may edit it: a 404 for a post they cannot see, else 403."""
    post = Post.by_slug(slug)
    if post is None or not post.can_view(current_user):
        abort(404, description="There is no post at this address.")
    if not post.can_edit(current_user):
        abort(403, description="Only the author, moderators and admins can see earlier "
                               "versions of this post.")
    return post


def _revision_or_404(post, number):
    revision = Revision.numbered(post, number)
    if revision is None:
        abort(404, description=f"“{post.title}” has no revision {number}: it may have been "
                               "among the oldest, which are not kept.")
    return revision


@bp.route("/posts/<slug>/revisions")
@login_required
def index(slug):
    post = _editable_post(slug)
    page = Revision.of(post).only(*LIST_FIELDS).paginate(page_arg(), PER_PAGE)
    return render_template("revisions/index.html", post=post, page=page)


@bp.route(f"/posts/<slug>/revisions/<int(min=1, max={MAX_NUMBER}):number>")
@login_required
def show(slug, number):
    post = _editable_post(slug)
    revision = _revision_or_404(post, number)
    changes = {
        "title": word_diff(revision.title, post.title),
        "tags": word_diff(", ".join(revision.tags), ", ".join(post.tags)),
        "content": word_diff(revision.content, post.content),
    }
    return render_template("revisions/show.html", post=post, revision=revision,
                           changes=changes, changed=any(map(is_changed, changes.values())))


@bp.route(f"/posts/<slug>/revisions/<int(min=1, max={MAX_NUMBER}):number>/restore",
          methods=["POST"])
@login_required
@edit_limit
def restore(slug, number):
    post = _editable_post(slug)
    revision = _revision_or_404(post, number)
    if restore_revision(post, revision):
        flash(f"Revision {number} restored: the text it replaced is kept as a revision too.",
              "success")
    else:
        flash(f"Revision {number} is the current text already.", "info")
    return redirect(url_for("posts.show", slug=post.slug))
