from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from blog.web.forms import PageForm
from blog.models.user import ROLES
from blog.services.points import MAX_GRANT


class RoleForm(PageForm):
    role = SelectField("Role", choices=list(ROLES), validators=[InputRequired()])
    # Where to go back to: the list as it was filtered and paged.
    next = HiddenField()


class GrantForm(PageForm):
    points = IntegerField("Points", validators=[
        InputRequired(), NumberRange(min=1, max=MAX_GRANT,
                                     message=f"Grant from 1 to {MAX_GRANT} points.")])
    next = HiddenField()
