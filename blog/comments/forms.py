from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from blog.comments.operations import MODERATED_STATUSES
from blog.models.comment import MAX_BODY
from blog.web.forms import PageForm

BODY_LABEL = "Your comment (Markdown)"


class CommentForm(PageForm):
    body = TextAreaField(BODY_LABEL, validators=[
        InputRequired("Write something first."),
        Length(max=MAX_BODY, message=f"A comment can be at most {MAX_BODY:,} characters.")])
    # The comment this one answers, if it is a reply (checked against the post's comments).
    parent = HiddenField()


class EditCommentForm(PageForm):
    body = CommentForm.body


class StatusForm(PageForm):
    status = SelectField("Status", choices=list(MODERATED_STATUSES), validators=[InputRequired()])
    # Where to go back to: the queue as it was filtered and paged.
    next = HiddenField()


class DeleteForm(PageForm):
    next = HiddenField()
