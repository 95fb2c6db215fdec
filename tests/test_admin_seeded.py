"""Statistics and the audit summary on the demo data of ``flask seed demo`` with a fixed seed."""
from datetime import datetime, timezone

import pytest

from blog.models import AuditLog
from blog.models.image import Image
from stats_truth import comments_as_dicts, documents_as_dicts, ground_truth

SEED_ARGS = ["seed", "demo", "--users", "30", "--posts", "200", "--seed", "42"]


@pytest.fixture
def seeded_by_command(app, runner):
    result = runner.invoke(args=SEED_ARGS)
    assert result.exit_code == 0, result.output


def test_stats_match_the_documents_of_the_demo_seed(seeded_by_command, make_user, client_for):
    admin = make_user(email="stats-admin@example.com", role="admin")
    stats = client_for(admin).get("/api/stats").get_json()["data"]
    expected = ground_truth(*documents_as_dicts(), datetime.now(timezone.utc),
                            comments_as_dicts())
    for key in ("usersByRole", "postsByMonth", "postsByMonthAndStatus", "signupsByMonth",
                "topTags", "topAuthors", "commentsByMonth", "pendingComments"):
        assert stats[key] == expected[key], key
    for key, value in expected["totals"].items():
        assert stats["totals"][key] == value, key
    assert expected["totals"]["posts"] >= 200 and expected["totals"]["published"] > 0
    assert expected["totals"]["comments"] > 100 and expected["pendingComments"] > 0


def test_the_demo_seed_leaves_one_summary_entry(seeded_by_command):
    """One entry for the seeded users, posts, comments and pictures (some posts' covers, some
    users' avatars); the demo admin's account has its own."""
    admin_created, summary = AuditLog.objects(actor="cli").order_by("at")
    assert (admin_created.action, admin_created.label) == ("create", "admin@example.com")
    images = Image.objects.count()
    assert images > 0
    assert summary.action == "create" and summary.collection == "comment,image,post,user"
    assert summary.label == (f"seed demo --seed 42: 200 comments, {images} images, 200 posts, "
                             "30 users")
    assert summary.changes == {"comment": [0, 200], "image": [0, images], "post": [0, 200],
                               "user": [1, 31]}
    assert summary.document_id is None
