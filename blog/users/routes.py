"""Profiles and profile settings."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from mongoengine import ValidationError

from blog.media import operations as media
from blog.media.processing import ImageRefused
from blog.models import Post
from blog.models.base import utcnow
from blog.models.post import SHOWN_STATUSES
from blog.services import points
from blog.services.sessions import fresh_user
from blog.users.forms import KudosForm, ProfileForm
from blog.web.forms import accepts_images, apply_model_errors, page_arg, str_arg, user_or_404
from blog.web.security import safe_next_url

bp = Blueprint("users", __name__)

OWN_UNPUBLISHED_SHOWN = 20


@bp.app_context_processor
def kudos_limit():
    """The kudos form shows on profiles and posts alike."""
    return {"max_kudos": points.MAX_KUDOS}


@bp.route("/users/<user_id>")
def profile(user_id):
    return _profile_page(user_or_404(user_id))


def _profile_page(user, kudos_form=None, status=200):
    page = Post.listing()(author=user).paginate(page_arg(), current_app.config["POSTS_PER_PAGE"])
    for post in page.items:
        post._data["author"] = user
    unpublished = []
    if current_user.is_authenticated and (current_user.pk == user.pk or current_user.is_admin):
        unpublished = list(Post.objects(author=user).not_visible()
                           .only(*Post.LIST_FIELDS).order_by("-updated_at")
                           .limit(OWN_UNPUBLISHED_SHOWN))
    return render_template("users/profile.html", user=user, page=page, unpublished=unpublished,
                           kudos_form=kudos_form), status


@bp.route("/me/posts")
@login_required
def my_posts():
    """The writer's own posts, newest change first, narrowed to one status if asked."""
    status = str_arg("status", 20)
    if status and status not in SHOWN_STATUSES:
        abort(400, description=f"“status” must be one of {', '.join(SHOWN_STATUSES)}.")
    now = utcnow()
    own = Post.objects(author=current_user.pk)
    chosen = {"": own, "scheduled": own.scheduled(now), "published": own.visible(now),
              "draft": own(status="draft"), "archived": own(status="archived")}[status]
    page = (chosen.only(*Post.LIST_FIELDS).order_by("-updated_at", "-id")
            .paginate(page_arg(), current_app.config["POSTS_PER_PAGE"]))
    return render_template("users/my_posts.html", page=page, status=status,
                           counts=Post.status_counts(own, now))


@bp.route("/users/<user_id>/kudos", methods=["POST"])
@login_required
def kudos(user_id):
    """Send some of your points to another user; on a refusal nothing moves."""
    recipient = user_or_404(user_id)
    form = KudosForm()
    if not form.validate_on_submit():
        return _profile_page(recipient, form, 400)
    try:
        points.send_kudos(current_user, recipient, form.points.data)
    except points.TransferRefused as refused:
        form.points.errors = list(form.points.errors) + [str(refused)]
        return _profile_page(recipient, form, refused.status)
    amount = form.points.data
    flash(f"You sent {amount} point{'' if amount == 1 else 's'} to {recipient.name}.", "success")
    return redirect(safe_next_url(form.next.data)
                    or url_for("users.profile", user_id=recipient.pk))


@bp.route("/settings/profile", methods=["GET", "POST"])
@accepts_images
@login_required
def settings():
    user = fresh_user()
    form = ProfileForm(obj=user.profile, name=user.name)
    status = None
    if form.validate_on_submit():
        user.name = form.name.data
        user.profile.bio = (form.bio.data or "").strip()
        user.profile.age = form.age.data
        user.profile.website = (form.website.data or "").strip()
        try:
            if _save_with_avatar(form, user):
                flash("Your profile is saved.", "success")
                return redirect(url_for("users.profile", user_id=user.pk))
        except ImageRefused as refused:
            form.avatar.errors = [str(refused)]
            status = refused.status
    status = status or (400 if form.errors or form.form_errors else 200)
    return render_template("users/settings.html", form=form, user=user), status


def _save_with_avatar(form, user):
    """Save the profile with the avatar the form sends (cropped square), or without one
    when asked; True once saved. The avatar it replaces is deleted."""
    try:
        replaced = media.save_with_image(user, "avatar", form.avatar.data,
                                         form.remove_avatar.data, user, kind="avatar")
    except ValidationError as error:
        apply_model_errors(form, error)
        return False
    if replaced:
        media.delete_avatar(replaced)
    return True
