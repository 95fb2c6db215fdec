from datetime import timezone

from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from blog.models.post import MAX_CONTENT, MAX_TITLE, STATUSES
from blog.web.forms import PageForm

PUBLISH_AT_FORMAT = "%Y-%m-%dT%H:%M"
PUBLISH_AT_HELP = "Give a date and time as YYYY-MM-DDTHH:MM (UTC), or leave it empty for now."
EARLIEST_YEAR = 1970
LATEST_YEAR = 9998


class PublishTimeField(DateTimeLocalField):
    """A date and time to the minute, in UTC (what ``<input type=datetime-local>``
    sends); empty is None."""

    def __init__(self, label, **kwargs):
        super().__init__(label, format=PUBLISH_AT_FORMAT, validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(PUBLISH_AT_HELP) from error
        if self.data is not None:
            self.data = self.data.replace(tzinfo=timezone.utc)


class PostForm(PageForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=MAX_TITLE)])
    content = TextAreaField("Content (Markdown)", validators=[Length(max=MAX_CONTENT)])
    tags = StringField("Tags, separated by commas", validators=[Length(max=400)])
    status = SelectField("Status", choices=[SelectChoice(s, s.capitalize()) for s in STATUSES],
                         default="draft")
    publish_at = PublishTimeField("Publish at (UTC)")
    cover = FileField("Cover image")
    remove_cover = BooleanField("Remove the cover image")

    def validate_publish_at(self, field):
        if field.data is not None and not EARLIEST_YEAR <= field.data.year <= LATEST_YEAR:
            raise ValidationError(f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}.")
