from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from blog.forms import PageForm


class ProfileForm(PageForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=80)])
    bio = TextAreaField("About you", validators=[Length(max=500)])
    age = IntegerField("Age", validators=[Optional(), NumberRange(min=13, max=120)])
    website = StringField("Website", validators=[Optional(), Length(max=200)])
