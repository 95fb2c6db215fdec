"""The moderators' queue: comments waiting for approval first, each approved or hidden
in one click."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from blog.comments import operations
from blog.comments.forms import DeleteForm, StatusForm
from blog.comments.routes import comment_or_404
from blog.models.comment import STATUSES
from blog.models.querysets import load_references
from blog.web.forms import page_arg
from blog.web.security import require_moderator, safe_next_url

bp = Blueprint("comment_queue", __name__, url_prefix="/admin/comments")
bp.before_request(require_moderator)

PER_PAGE = 25
DECISIONS = {"visible": "Approved", "hidden": "Hidden"}


@bp.route("")
def index():
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        abort(400, description=f"“status” must be one of {', '.join(STATUSES)}.")
    page = operations.queue(status).paginate(page_arg(), PER_PAGE, related=["author", "post"])
    return render_template("admin/comments.html", page=page, status=status,
                           statuses=STATUSES, status_form=StatusForm(), delete_form=DeleteForm())


@bp.route("/<comment_id>/status", methods=["POST"])
def change_status(comment_id):
    comment = comment_or_404(comment_id)
    form = StatusForm()
    back = safe_next_url(form.next.data) or url_for("comment_queue.index")
    if not form.validate_on_submit():
        abort(400, description="Choose visible (approve) or hidden (hide).")
    if operations.set_status(comment, form.status.data):
        flash(f"{DECISIONS[comment.status]}: {comment.audit_label()}", "success")
    else:
        flash(f"That comment was already {comment.status}.", "info")
    return redirect(back)
