"""The ``flask`` commands, one group (or command) per module, each listed in
``COMMANDS`` for the factory to register; ``base`` is what they share and
``demo`` the demo content that ``seed`` writes."""
from blog.commands.activity import activity_cli
from blog.commands.database import db_cli
from blog.commands.points import points_cli
from blog.commands.search import search_cli
from blog.commands.seed import seed_cli
from blog.commands.stats import stats_cli
from blog.commands.users import create_admin, users_cli

COMMANDS = (create_admin, users_cli, seed_cli, db_cli, search_cli, points_cli, activity_cli,
            stats_cli)
