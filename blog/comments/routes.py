"""A comment's own pages: its author edits it, and those allowed delete it."""
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from mongoengine import ValidationError

from blog.comments import operations
from blog.comments.forms import DeleteForm, EditCommentForm
from blog.models.comment import EDIT_MINUTES, MAX_BODY, Comment
from blog.web.forms import apply_model_errors
from blog.web.security import safe_next_url

bp = Blueprint("comments", __name__, url_prefix="/comments")


@bp.app_context_processor
def comment_helpers():
    """For every template: the longest comment, and how many comments wait for a
    moderator (a function, so counted only where the admin navigation shows it)."""
    return {"max_comment": MAX_BODY, "pending_comment_count": operations.pending_count}


def comment_or_404(comment_id):
    comment = Comment.by_id(comment_id)
    if comment is None or not comment.can_view(current_user):
        abort(404, description="There is no comment at this address.")
    return comment


def comment_url(comment):
    return url_for("posts.show", slug=comment.post.slug, _anchor=f"comment-{comment.pk}")


@bp.route("/<comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id):
    comment = comment_or_404(comment_id)
    if not comment.is_authored_by(current_user):
        abort(403, description="Only its author can edit a comment.")
    if not comment.can_edit(current_user):
        abort(403, description=f"A comment can be edited for {EDIT_MINUTES} minutes after "
                               "it was written, and that time has passed.")
    form = EditCommentForm(obj=comment)
    if form.validate_on_submit():
        was_visible = comment.is_visible
        try:
            changed = operations.edit_comment(comment, form.body.data)
        except ValidationError as error:
            apply_model_errors(form, error)
        else:
            if not changed:
                flash("Nothing changed.", "info")
            elif was_visible and comment.is_pending:
                flash("Comment saved. It has more links than a comment may have, so it is "
                      "awaiting approval.", "info")
            else:
                flash("Comment saved.", "success")
            return redirect(comment_url(comment))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("comments/edit.html", form=form, comment=comment), status


@bp.route("/<comment_id>/delete", methods=["POST"])
@login_required
def delete(comment_id):
    comment = comment_or_404(comment_id)
    if not comment.can_delete(current_user):
        abort(403, description="Only its author, the post's author, moderators and admins "
                               "can delete a comment.")
    form = DeleteForm()
    back = safe_next_url(form.next.data) or url_for("posts.show", slug=comment.post.slug,
                                                    _anchor="comments")
    operations.delete_comment(comment)
    flash("Comment deleted.", "info")
    return redirect(back)
