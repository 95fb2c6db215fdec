from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, Length

from blog.web.forms import PageForm
from blog.models.post import MAX_CONTENT, MAX_TITLE, STATUSES


class PostForm(PageForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=MAX_TITLE)])
    content = TextAreaField("Content (Markdown)", validators=[Length(max=MAX_CONTENT)])
    tags = StringField("Tags, separated by commas", validators=[Length(max=400)])
    status = SelectField("Status", choices=[SelectChoice(s, s.capitalize()) for s in STATUSES],
                         default="draft")
