from wtforms import HiddenField, SelectField
from wtforms.validators import InputRequired

from blog.forms import PageForm
from blog.models.user import ROLES


class RoleForm(PageForm):
    role = SelectField("Role", choices=list(ROLES), validators=[InputRequired()])
    # Where to go back to: the list as it was filtered and paged.
    next = HiddenField()
