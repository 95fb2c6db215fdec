"""Statistics compared with counts computed in plain Python from the same seeded data."""
import random
import re
from datetime import datetime, timedelta, timezone

import pytest

from blog.services import audit
from blog.admin import charts
from blog.models import Post, User
from blog.services.stats import compute_stats
from blog.models.post import STATUSES
from blog.models.comment import STATUSES as COMMENT_STATUSES
from blog.models.comment import Comment
from stats_truth import ROLES, comments_as_dicts, documents_as_dicts, ground_truth

SEED = 20240601
TAG_POOL = ["python", "flask", "mongodb", "testing", "css", "html", "js", "go", "rust", "web",
            "api", "security", "devops", "design", "data", "ml", "cloud", "linux", "career",
            "books", "music", "travel", "food", "c++", "c#", "node.js", "vim", "emacs"]


def seed_dataset(rng, now, users=60, posts=400, comments=300):
    """Users, posts and comments with varied roles, ages, statuses, tags and dates over
    about 30 months.

    Returns what was written as plain dicts, for the ground truth.
    """
    people, writings, remarks = [], [], []
    for number in range(users):
        person = {
            "email": f"person{number}@example.com", "name": f"Person {number:03d}",
            "role": rng.choices(ROLES, weights=(80, 15, 5))[0],
            "age": rng.choice([None, None] + list(range(13, 91))),
            "created_at": now - timedelta(days=rng.uniform(0, 900), seconds=rng.uniform(0, 86400)),
        }
        people.append(person)
    for number in range(posts):
        status = rng.choices(STATUSES, weights=(20, 70, 10))[0]
        created = now - timedelta(days=rng.uniform(0, 900))
        published = None
        if status == "published" or (status == "archived" and rng.random() < 0.7):
            published = created + timedelta(days=rng.uniform(0, 20))
        if status == "published" and rng.random() < 0.05:
            # Scheduled: counted nowhere as published until its time.
            published = now + timedelta(days=rng.uniform(1, 30))
        # Mixed case and repeats, which the model lowercases and removes.
        tags = rng.sample(TAG_POOL, rng.randint(0, 5))
        if tags and rng.random() < 0.3:
            tags.append(tags[0].upper())
        writings.append({"title": f"Post number {number}", "status": status,
                         "created_at": created, "published_at": published, "tags": tags,
                         "author": rng.randrange(users)})
    with audit.bulk("stats test seed"):
        for person in people:
            user = User(email=person["email"], name=person["name"], role=person["role"],
                        created_at=person["created_at"], password_hash="not a real hash")
            user.profile.age = person["age"]
            user.save()
            person["id"] = user.pk
        for writing in writings:
            Post(title=writing["title"], status=writing["status"], tags=writing["tags"],
                 created_at=writing["created_at"], published_at=writing["published_at"],
                 author=people[writing["author"]]["id"]).save()
            writing["author_id"] = people[writing["author"]]["id"]
            writing["tags"] = list(dict.fromkeys(tag.lower() for tag in writing["tags"]))
        stored = list(Post.objects.only("id"))
        for _ in range(comments):
            remark = {"status": rng.choices(COMMENT_STATUSES, weights=(70, 20, 10))[0],
                      "created_at": now - timedelta(days=rng.uniform(0, 900))}
            Comment(post=rng.choice(stored), author=rng.choice(people)["id"], body="Hello.",
                    **remark).save()
            remarks.append(remark)
    return people, writings, remarks


@pytest.fixture
def seeded(app, admin):
    now = datetime.now(timezone.utc)
    with app.app_context():
        people, writings, remarks = seed_dataset(random.Random(SEED), now)
    people.append({"id": admin.pk, "name": admin.name, "role": "admin", "age": None,
                   "created_at": admin.created_at})
    return people, writings, now, remarks


def test_api_stats_match_the_ground_truth(seeded, admin, client_for):
    people, writings, now, remarks = seeded
    response = client_for(admin).get("/api/stats")
    assert response.status_code == 200
    stats = response.get_json()["data"]
    expected = ground_truth(people, writings, now, remarks)
    for key in ("usersByRole", "postsByMonth", "postsByMonthAndStatus", "signupsByMonth",
                "topTags", "topAuthors", "commentsByMonth", "pendingComments"):
        assert stats[key] == expected[key], key
    for key, value in expected["totals"].items():
        assert stats["totals"][key] == value, key
    # Reading the documents back gives the same truth (as the demo seed's test relies on).
    assert ground_truth(*documents_as_dicts(), now, comments_as_dicts()) == expected
    assert expected["pendingComments"] > 0 and expected["totals"]["comments"] > 0
    # The dataset is varied enough for the comparison to mean something.
    assert len(stats["postsByMonth"]) == 24 and len(stats["topTags"]) == 20
    assert sum(row["count"] for row in stats["postsByMonth"]) < expected["totals"]["published"]
    assert sum(1 for row in stats["postsByMonth"] if row["count"] == 0) < 24
    assert all(row["count"] for row in stats["usersByRole"])


def test_the_dashboard_shows_the_same_numbers_as_charts_and_tables(seeded, admin, client_for):
    people, writings, now, remarks = seeded
    expected = ground_truth(people, writings, now, remarks)
    html = client_for(admin).get("/admin/").get_data(as_text=True)
    assert html.count("<svg") == 6
    bars = len(re.findall(r'<rect class="chart-bar"', html))
    assert bars == 24 + 24 + 24 + 3 + len(expected["topTags"]) + len(expected["topAuthors"])
    newest = expected["commentsByMonth"][-1]
    assert f'<title>{charts.month_label(newest["year"], newest["month"])}: ' \
           f'{newest["count"]}</title>' in html
    assert (f'<span class="total-number">{expected["pendingComments"]}</span> awaiting '
            'approval') in html
    for row in expected["topTags"]:
        assert f"<title>{row['tag']}: {row['count']}</title>" in html
        assert f'>{row["tag"]}</a></td><td class="number">{row["count"]}</td>' in html
    for row in expected["usersByRole"]:
        assert f"<title>{row['role']}: {row['count']}</title>" in html
    newest = expected["postsByMonth"][-1]
    assert (f'<td class="month">{newest["year"]:04d}-{newest["month"]:02d}</td>'
            f'<td class="number">{newest["count"]}</td>') in html
    assert f'<span class="total-number">{expected["totals"]["published"]}</span> published' in html


def test_months_are_calendar_months_in_utc_with_zeros(app, make_user, make_post):
    author = make_user()
    utc = timezone.utc
    dates = {
        "before the window": datetime(2023, 3, 31, 23, 59, 59, tzinfo=utc),
        "first instant": datetime(2023, 4, 1, tzinfo=utc),
        "last instant": datetime(2025, 3, 31, 23, 59, 59, tzinfo=utc),
        "after the window": datetime(2025, 4, 1, tzinfo=utc),
    }
    for title, published_at in dates.items():
        make_post(author, title=title, published_at=published_at)
    make_post(author, title="draft", status="draft", created_at=datetime(2024, 6, 1, tzinfo=utc))
    with app.app_context():
        stats = compute_stats(now=datetime(2025, 3, 31, 23, 59, 59, 500000, tzinfo=utc))
    months = stats["postsByMonth"]
    assert (months[0]["year"], months[0]["month"]) == (2023, 4)
    assert (months[-1]["year"], months[-1]["month"]) == (2025, 3)
    assert [row["count"] for row in months] == [1] + [0] * 22 + [1]
    june = next(row for row in stats["postsByMonthAndStatus"] if (row["year"], row["month"])
                == (2024, 6))
    assert (june["draft"], june["published"], june["count"]) == (1, 0, 1)


def test_no_data_gives_zeros_and_empty_lists(admin, client_for):
    stats = client_for(admin).get("/api/stats").get_json()["data"]
    assert stats["usersByRole"] == [{"role": "user", "count": 0, "averageAge": None},
                                    {"role": "moderator", "count": 0, "averageAge": None},
                                    {"role": "admin", "count": 1, "averageAge": None}]
    assert stats["topTags"] == [] and stats["topAuthors"] == []
    assert all(row["count"] == 0 for row in stats["postsByMonth"])
    html = client_for(admin).get("/admin/").get_data(as_text=True)
    assert "Nothing to show yet." in html


def test_stats_are_cached_until_a_user_or_post_changes(admin, client_for, make_post, runner):
    client = client_for(admin)
    assert client.get("/api/stats").get_json()["data"]["totals"]["posts"] == 0
    Post._get_collection().insert_one({"title": "written behind the app's back",
                                       "status": "draft", "author": admin.pk})
    assert client.get("/api/stats").get_json()["data"]["totals"]["posts"] == 0
    make_post(admin, title="saved through the model")
    assert client.get("/api/stats").get_json()["data"]["totals"]["posts"] == 1
    # Counted with the rest once recounted, as after writing around the app.
    result = runner.invoke(args=["stats", "recount"])
    assert result.exit_code == 0 and "Recounted 3 documents." in result.output
    assert client.get("/api/stats").get_json()["data"]["totals"]["posts"] == 2


@pytest.mark.parametrize("maximum, ticks", [
    (0, [0, 1]), (1, [0, 1]), (3, [0, 1, 2, 3]), (7, [0, 2, 4, 6, 8]),
    (10, [0, 5, 10]), (47, [0, 20, 40, 60]), (230, [0, 100, 200, 300]),
])
def test_axis_ticks_are_round_and_reach_the_maximum(maximum, ticks):
    assert charts.axis_ticks(maximum) == ticks


def test_bar_lengths_are_proportional_to_the_values():
    chart = charts.column_chart("t", ["a", "b", "c"], [0, 5, 10])
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1])
    assert chart.bars[2].y + chart.bars[2].height == pytest.approx(chart.bottom)
    horizontal = charts.bar_chart("t", ["x", "y"], [3, 6])
    # Each length is rounded to a tenth.
    assert horizontal.bars[1].width == pytest.approx(2 * horizontal.bars[0].width, abs=0.2)


def test_bar_labels_are_shown_whole_and_a_very_long_one_is_shortened_with_the_whole_on_hover():
    chart = charts.bar_chart("Top authors", ["Katherine Spärck Jones", "Ada"], [10, 5])
    assert [tick.label for tick in chart.category_labels] == ["Katherine Spärck Jones", "Ada"]
    assert chart.left < chart.width / 2
    name = "Wolfgang Amadeus Theophilus Mozart-Habsburg"
    label = charts.bar_chart("Top authors", [name], [1]).category_labels[0]
    assert label.label.endswith("…") and name.startswith(label.label[:-1])
    assert label.full == name


def test_the_monthly_table_names_each_column_once(admin, client_for, make_post):
    make_post(admin, title="Counted")
    html = client_for(admin).get("/admin/").get_data(as_text=True)
    table = html[html.index('<section class="panel stat-block" id="posts-by-month">'):]
    headers = re.findall(r"<th[^>]*>([^<]+)</th>", table[:table.index("</thead>")])
    assert len({header.lower() for header in headers}) == len(headers) == 6, headers


# Nothing listens on port 9, so every cache call fails at once.
@pytest.mark.parametrize("app_config", [{"REDIS_URL": "redis://127.0.0.1:9/0"}])
def test_the_dashboard_works_without_its_cache(admin, client_for, make_post):
    client = client_for(admin)
    make_post(admin, title="Counted")
    assert client.get("/api/stats").get_json()["data"]["totals"]["posts"] == 1
    assert client.get("/admin/").status_code == 200
