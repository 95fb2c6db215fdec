from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length

from blog.web.forms import PageForm

MAX_ALT = 300


class UploadForm(PageForm):
    file = FileField("Image (PNG, JPEG, GIF or WebP)",
                     validators=[FileRequired("Choose an image to upload.")])
    alt = StringField("Description for readers who cannot see it (alt text)",
                      validators=[Length(max=MAX_ALT)])
