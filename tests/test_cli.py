"""The flask commands."""
from blog.models import Post, User


def test_create_admin_creates_then_promotes(runner, app, make_user):
    result = runner.invoke(args=["create-admin", "Boss@Example.com", "--password",
                                 "a long password", "--name", "Boss"])
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    make_user(email="later@example.com")
    result = runner.invoke(args=["create-admin", "later@example.com"])
    assert "Promoted admin later@example.com" in result.output
    with app.app_context():
        assert User.objects.get(email="boss@example.com").check_password("a long password")
        assert {u.email for u in User.objects(role="admin")} == {"boss@example.com",
                                                                 "later@example.com"}


def test_create_admin_asks_for_a_password(runner, app):
    result = runner.invoke(args=["create-admin", "ask@example.com"],
                           input="a long password\na long password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.by_email("ask@example.com").check_password("a long password")


def test_create_admin_explains_bad_input(runner, app):
    result = runner.invoke(args=["create-admin", "not an email", "--password", "long enough"])
    assert result.exit_code == 1 and "valid email" in result.output
    result = runner.invoke(args=["create-admin", "a@example.com", "--password", "short"])
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    with app.app_context():
        assert User.objects.count() == 0


def snapshot(app):
    with app.app_context():
        return [(p.title, p.status, p.tags, p.author.email, p.created_at)
                for p in Post.objects.order_by("created_at", "title")]


def test_seed_demo_is_realistic_and_repeatable(runner, app):
    result = runner.invoke(args=["seed", "demo", "--users", "12", "--posts", "150",
                                 "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert "admin@example.com" in result.output
    with app.app_context():
        assert User.objects.count() == 13
        assert User.objects(role="admin").count() == 1
        statuses = set(Post.objects.distinct("status"))
        assert statuses == {"published", "draft", "archived"}
        dates = sorted(Post.objects.scalar("created_at"))
        assert (dates[-1] - dates[0]).days > 365
        assert User.objects(profile__age__ne=None).count() > 5
        assert all(p.tags and "##" in p.content for p in Post.objects.limit(20))
    first = snapshot(app)

    with app.app_context():
        Post.objects.delete()
        User.objects.delete()
    runner.invoke(args=["seed", "demo", "--users", "12", "--posts", "150", "--seed", "7"])
    assert snapshot(app) == first


def test_seed_demo_if_empty_keeps_existing_content(runner, app):
    runner.invoke(args=["seed", "demo", "--users", "2", "--posts", "5", "--seed", "1"])
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert "not seeding" in result.output
    with app.app_context():
        assert Post.objects.count() == 5


def test_seed_users_and_posts(runner, app):
    result = runner.invoke(args=["seed", "posts", "3"])
    assert result.exit_code == 1 and "seed users" in result.output
    assert runner.invoke(args=["seed", "users", "4", "--seed", "2"]).exit_code == 0
    assert runner.invoke(args=["seed", "posts", "9", "--seed", "2"]).exit_code == 0
    result = runner.invoke(args=["seed", "users", "many"])
    assert result.exit_code == 2 and "'many' is not a valid integer" in result.output
    with app.app_context():
        assert User.objects.count() == 4 and Post.objects.count() == 9


def test_db_commands(runner):
    result = runner.invoke(args=["db", "ping"])
    assert result.exit_code == 0 and result.output.startswith("ok: memory database")
    result = runner.invoke(args=["db", "ensure-indexes"])
    assert result.exit_code == 0
    assert "slug_1" in result.output and "email_1" in result.output
