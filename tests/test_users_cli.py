"""``flask users``: what an operator does for people who cannot do it themselves."""
from blog.models import AuditLog, Post, Transfer, User
from conftest import PASSWORD

NEW_PASSWORD = "set by the operator"


def test_set_password_asks_twice_and_ends_every_session(runner, app, make_user, client_for):
    user = make_user(email="ann@example.com")
    session = client_for(user)
    result = runner.invoke(args=["users", "set-password", "ANN@example.com"],
                           input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Set a new password for ann@example.com" in result.output
    assert session.get("/settings/profile").status_code == 302, "the old session ended"
    with app.app_context():
        assert User.by_email("ann@example.com").check_password(NEW_PASSWORD)
        entry = AuditLog.objects(action="update").first()
        assert entry.actor == "cli" and entry.changes["password"] == "changed"


def test_set_password_takes_the_password_as_an_option(runner, app, make_user):
    make_user(email="ann@example.com")
    result = runner.invoke(args=["users", "set-password", "ann@example.com", "--password",
                                 NEW_PASSWORD])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert User.by_email("ann@example.com").check_password(NEW_PASSWORD)


def test_set_password_explains_what_is_wrong(runner, app, make_user):
    make_user(email="ann@example.com")
    result = runner.invoke(args=["users", "set-password", "nobody@example.com", "--password",
                                 NEW_PASSWORD])
    assert result.exit_code == 1 and "No account uses nobody@example.com." in result.output
    result = runner.invoke(args=["users", "set-password", "ann@example.com", "--password", "short"])
    assert result.exit_code == 1 and "at least 8 characters" in result.output
    result = runner.invoke(args=["users", "set-password", "ann@example.com", "--password",
                                 "aaaaaaaa"])
    assert result.exit_code == 1 and "one character repeated" in result.output
    result = runner.invoke(args=["users", "set-password", "ann@example.com"],
                           input=f"{NEW_PASSWORD}\nsomething else\n{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0 and "do not match" in result.output
    with app.app_context():
        assert User.by_email("ann@example.com").check_password(NEW_PASSWORD)


def test_list_shows_every_account(runner, make_user, make_post):
    ann = make_user(email="ann@example.com", name="Ann Writer")
    make_user(email="boss@example.com", name="Boss", role="admin")
    make_post(ann, title="One")
    make_post(ann, title="Two", status="draft")
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["EMAIL", "NAME", "ROLE", "POINTS", "POSTS", "JOINED"]
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert set(rows) == {"ann@example.com", "boss@example.com"}
    assert rows["ann@example.com"].split()[1:6] == ["Ann", "Writer", "user", "100", "2"]
    assert rows["boss@example.com"].split()[1:5] == ["Boss", "admin", "100", "0"]
    assert lines[-1] == "2 accounts"
    result = runner.invoke(args=["users", "list", "--search", "BOSS"])
    assert [line.split()[0] for line in result.output.splitlines()[1:-1]] == ["boss@example.com"]


def test_delete_removes_the_account_and_its_posts(runner, app, make_user, make_post, client_for):
    ann = make_user(email="ann@example.com")
    bob = make_user(email="bob@example.com")
    make_post(ann, title="Ann's")
    make_post(bob, title="Bob's")
    client_for(ann).post(f"/users/{bob.pk}/kudos", data={"points": "5"})
    result = runner.invoke(args=["users", "delete", "ann@example.com"])
    assert result.exit_code == 0, result.output
    assert "Deleted ann@example.com" in result.output
    with app.app_context():
        assert [user.email for user in User.objects] == ["bob@example.com"]
        assert [post.title for post in Post.objects] == ["Bob's"]
        assert Transfer.objects.count() == 1
        assert AuditLog.objects(action="delete", collection="user").get().actor == "cli"


def test_delete_refuses_the_last_admin_and_unknown_addresses(runner, app, make_user):
    make_user(email="boss@example.com", role="admin")
    result = runner.invoke(args=["users", "delete", "boss@example.com"])
    assert result.exit_code == 1 and "only admin" in result.output
    result = runner.invoke(args=["users", "delete", "nobody@example.com"])
    assert result.exit_code == 1 and "No account uses nobody@example.com." in result.output
    with app.app_context():
        assert User.objects.count() == 1
    make_user(email="deputy@example.com", role="admin")
    assert runner.invoke(args=["users", "delete", "boss@example.com"]).exit_code == 0


def test_operators_password_login_works(runner, client, make_user):
    make_user(email="ann@example.com")
    runner.invoke(args=["users", "set-password", "ann@example.com", "--password", NEW_PASSWORD])
    assert client.post("/auth/login", data={"email": "ann@example.com", "password": PASSWORD}
                       ).status_code == 401
    assert client.post("/auth/login", data={"email": "ann@example.com",
                                            "password": NEW_PASSWORD}).status_code == 302
