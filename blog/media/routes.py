"""The uploads page, uploading, serving images and their thumbnails, and deleting one."""
import gridfs
from bson import ObjectId
from flask import (
    Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for,
)
from flask_login import current_user, login_required
from mongoengine.connection import get_db

from blog.errors import error_response
from blog.extensions import limiter, user_or_address
from blog.media import operations
from blog.media.forms import UploadForm
from blog.media.processing import ImageRefused, megabytes
from blog.models.image import GRIDFS_COLLECTION, Image
from blog.web.forms import accepts_images, page_arg, prefers_json, str_arg

bp = Blueprint("media", __name__)

UPLOADS_PER_PAGE = 24
# Each image's bytes never change: browsers and proxies may keep them for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def markdown_for(image, alt=""):
    """What to paste into a post to show ``image``: ``![alt](/media/<id>)``."""
    text = " ".join((alt or "").split())
    for special in "\\[]":
        text = text.replace(special, "\\" + special)
    return f"![{text}]({image.url})"


@bp.route("/media")
@login_required
def uploads():
    return _uploads_page(UploadForm(), uploaded=str_arg("uploaded", 24))


def _uploads_page(form, status=200, uploaded=None):
    images = Image.objects(owner=current_user.pk, kind="upload")
    page = images.paginate(page_arg(), UPLOADS_PER_PAGE)
    return render_template(
        "media/uploads.html", form=form, page=page, uses=operations.image_uses(page.items),
        uploaded=uploaded, markdown_for=markdown_for, megabytes=megabytes,
        used=operations.used_bytes(current_user.pk), quota=operations.quota_bytes(),
        max_bytes=current_app.config["MAX_IMAGE_BYTES"]), status


@bp.route("/media", methods=["POST"])
@login_required
@limiter.limit(lambda: current_app.config["UPLOAD_RATE_LIMIT"], key_func=user_or_address)
@accepts_images
def upload():
    """Store an image; JSON for the editor's button, else back to the uploads page."""
    form = UploadForm()
    if not form.validate_on_submit():
        message = " ".join(error for errors in form.errors.values() for error in errors)
        return _refused(form, ImageRefused(message or "Choose an image to upload."))
    try:
        image = operations.store_image(current_user._get_current_object(), form.file.data)
    except ImageRefused as refused:
        return _refused(form, refused)
    markdown = markdown_for(image, form.alt.data)
    if prefers_json():
        return jsonify(success=True, data={
            "id": str(image.pk), "url": image.url, "thumbnailUrl": image.thumbnail_url,
            "markdown": markdown}), 201
    flash("Image uploaded. Paste its Markdown into a post to show it there.", "success")
    return redirect(url_for("media.uploads", uploaded=str(image.pk)))


def _refused(form, refused):
    if prefers_json():
        return error_response(refused.status, str(refused))
    form.file.errors = [str(refused)]
    return _uploads_page(form, refused.status)


@bp.route("/media/<image_id>")
def image(image_id):
    return _serve(image_id, thumbnail=False)


@bp.route("/media/<image_id>/thumb")
def thumbnail(image_id):
    return _serve(image_id, thumbnail=True)


def _serve(image_id, thumbnail):
    """The bytes of an image or its thumbnail, in at most three database operations: the
    image's description, then GridFS's file and its chunks (none of those for a 304)."""
    image = Image.by_id(image_id, Image.SERVED_FIELDS)
    if image is None or not image.file_id:
        abort(404, description="There is no image at this address.")
    digest = image.thumbnail_digest if thumbnail else image.digest
    headers = {"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if digest in request.if_none_match:
        response = current_app.response_class(status=304, headers=headers)
    else:
        stored = gridfs.GridFS(get_db(), GRIDFS_COLLECTION).get(
            ObjectId(image.thumbnail_id if thumbnail else image.file_id))
        response = current_app.response_class(stored.read(), mimetype=image.content_type,
                                               headers=headers)
    response.set_etag(digest)
    return response


@bp.route("/media/<image_id>/delete", methods=["POST"])
@login_required
def delete(image_id):
    image = Image.by_id(image_id)
    if image is None:
        abort(404, description="There is no image at this address.")
    if not operations.can_delete(image, current_user):
        abort(403, description="Only the person who uploaded this image and admins can "
                               "delete it.")
    try:
        operations.delete_image(image)
    except operations.ImageInUse as in_use:
        titles = ", ".join(f"“{post.title}”" for post in in_use.posts)
        message = (f"This image is still shown by {titles}: take it out of "
                   f"{'that post' if len(in_use.posts) == 1 else 'those posts'} first.")
        if prefers_json():
            return error_response(409, message)
        return render_template("media/in_use.html", image=image, posts=in_use.posts,
                               message=message), 409
    if prefers_json():
        return jsonify(success=True, data={"id": image_id})
    flash(f"“{image.filename or 'The image'}” was deleted.", "info")
    return redirect(url_for("media.uploads"))
