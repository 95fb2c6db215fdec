from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from blog.web.forms import PageForm
from blog.services.points import MAX_KUDOS


class ProfileForm(PageForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=80)])
    bio = TextAreaField("About you", validators=[Length(max=500)])
    age = IntegerField("Age", validators=[Optional(), NumberRange(min=13, max=120)])
    website = StringField("Website", validators=[Optional(), Length(max=200)])
    avatar = FileField("Avatar")
    remove_avatar = BooleanField("Remove my avatar")


class KudosForm(PageForm):
    points = IntegerField("Points", validators=[
        InputRequired("Say how many points to send."),
        NumberRange(min=1, max=MAX_KUDOS, message=f"Send from 1 to {MAX_KUDOS} points.")])
    # The page the form was on, to go back to.
    next = HiddenField()
