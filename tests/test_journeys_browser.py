"""A newcomer's and an admin's path through the blog in Chromium, as they would meet it.

CSRF is on, as in production, so every form is sent the way a browser sends it.
Each step checks what the page shows and saves a screenshot under
``test-output/screenshots/``.
"""
import re
import xml.etree.ElementTree as ElementTree

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD

pytestmark = pytest.mark.browser

ATOM = "{http://www.w3.org/2005/Atom}"
NEWCOMER_EMAIL = "nia.newcomer@example.com"
TITLE = "Compost heaps for small gardens"


@pytest.fixture
def app_config(mail_server):
    return {"WTF_CSRF_ENABLED": True, "MAIL_URL": mail_server.url}


@pytest.fixture
def other_author(make_user, make_post):
    author = make_user(email="olu@example.com", name="Olu Writer")
    make_post(author, title="Notes on sourdough starters", content="Feed it **daily**.",
              tags=["baking"])
    return author


def log_in(page, base, email, password=PASSWORD):
    page.goto(f"{base}/auth/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_a_newcomer_writes_publishes_revises_finds_sends_kudos_and_leaves(live_server, page, screenshot,
                                                        other_author):
    page.goto(live_server)
    expect(page.locator(".card-title")).to_have_text(["Notes on sourdough starters"])
    expect(page.locator(".site-nav")).to_contain_text("Sign up")
    screenshot("home-as-a-visitor")

    page.click("text=Sign up")
    page.fill("input[name=email]", "  Nia.Newcomer@Example.COM ")
    page.fill("input[name=name]", "Nia Newcomer")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password_confirm]", PASSWORD)
    page.click("main button[type=submit]")
    expect(page.locator(".flash-success")).to_have_text(
        "Welcome, Nia Newcomer! Your account is ready.")
    expect(page.locator(".site-nav .who")).to_have_text("Nia Newcomer")
    screenshot("registered")

    page.click(".site-nav >> text=Write")
    page.fill("input[name=title]", TITLE)
    page.fill("textarea[name=content]",
              "A heap wants **green** and brown layers.\n\n- turn it monthly\n- keep it damp")
    page.fill("input[name=tags]", " Gardening, Compost Heaps, gardening ")
    page.select_option("select[name=status]", "draft")
    page.click("button[name=save]")
    expect(page.locator("article.post h1")).to_have_text(TITLE)
    expect(page.locator("article.post .notice")).to_have_text(
        "This post is a draft: only its author, moderators and admins can see it.")
    expect(page.locator("article.post .tags .tag")).to_have_text(["gardening", "compost heaps"])
    post_url = page.url
    screenshot("draft-saved")

    page.click("text=Edit")
    page.fill("textarea[name=content]",
              "A heap wants **green** and brown layers.\n\n- turn it monthly\n- keep it damp\n"
              "- no <script>alert(1)</script> here")
    page.click("button[name=preview]")
    preview = page.locator("section.preview")
    expect(preview.locator(".notice")).to_have_text("Preview: this has not been saved yet.")
    expect(preview.locator("strong")).to_have_text("green")
    expect(preview.locator("li")).to_have_count(3)
    assert preview.locator("script").count() == 0
    screenshot("preview")

    page.select_option("select[name=status]", "published")
    page.click("button[name=save]")
    expect(page.locator(".flash-success")).to_have_text("Post saved.")
    assert page.url == post_url, "the link stays the same when a draft is published"
    expect(page.locator("article.post .notice")).to_have_count(0)
    expect(page.locator("article.post .prose li")).to_have_count(3)
    screenshot("published")

    page.click("article.post >> text=Edit")
    page.fill("textarea[name=content]", page.input_value("textarea[name=content]").replace(
        "turn it monthly", "turn it weekly"))
    page.click("button[name=save]")
    expect(page.locator("article.post .prose li").first).to_have_text("turn it weekly")
    page.click("article.post >> text=Revisions")
    expect(page.locator("table.revisions tbody tr")).to_have_count(2)
    page.click("table.revisions >> text=#2")
    expect(page.locator(".word-diff del")).to_have_text(["monthly"])
    expect(page.locator(".word-diff ins")).to_have_text(["weekly"])
    screenshot("revision-compared")
    page.click("button:has-text('Restore revision 2')")
    expect(page.locator(".flash-success")).to_contain_text("Revision 2 restored")
    expect(page.locator("article.post .prose li").first).to_have_text("turn it monthly")
    assert page.url == post_url
    screenshot("revision-restored")

    page.fill(".search-box input[name=q]", "composting heap")
    page.press(".search-box input[name=q]", "Enter")
    expect(page.locator(".meta[role=status]")).to_contain_text("1 post matches")
    expect(page.locator(".card-title")).to_have_text([TITLE])
    expect(page.locator(".card .excerpt mark").first).to_have_text(re.compile("heap", re.I))
    screenshot("found-by-search")

    page.click(f".card-title >> text={TITLE}")
    page.click("article.post .tags >> text=compost heaps")
    expect(page.locator("h1.page-title")).to_contain_text("compost heaps")
    expect(page.locator(".card-title")).to_have_text([TITLE])
    screenshot("found-by-tag")

    with page.expect_navigation() as navigation:
        page.click("main >> text=Atom feed")
    response = navigation.value
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.body())
    entries = {entry.findtext(f"{ATOM}title"): entry for entry in feed.iter(f"{ATOM}entry")}
    assert list(entries) == [TITLE]
    assert entries[TITLE].find(f"{ATOM}link").get("href") == post_url
    assert "<strong>green</strong>" in entries[TITLE].findtext(f"{ATOM}content")
    screenshot("tag-feed")

    page.goto(live_server)
    page.click(".card-title >> text=Notes on sourdough starters")
    kudos = page.locator("form.kudos-form")
    expect(kudos.locator("label")).to_have_text("Send Olu Writer kudos")
    expect(kudos.locator(".hint")).to_have_text("You have 100 points.")
    kudos.locator("input[name=points]").fill("15")
    kudos.locator("button:has-text('Send points')").click()
    expect(page.locator(".flash-success")).to_have_text("You sent 15 points to Olu Writer.")
    expect(page.locator("article.post h1")).to_have_text("Notes on sourdough starters")
    expect(kudos.locator(".hint")).to_have_text("You have 85 points.")
    kudos.locator("input[name=points]").fill("90")
    kudos.locator("button:has-text('Send points')").click()
    # Refused: the author's profile shows why, and that nothing moved.
    expect(page.locator(".profile h1")).to_have_text("Olu Writer")
    expect(page.locator(".field-errors")).to_have_text("You have 85 points: you cannot send 90.")
    expect(page.locator(".profile .points")).to_have_text("115 points")
    screenshot("kudos-sent-and-refused")

    page.click(".site-nav button:has-text('Log out')")
    expect(page.locator(".flash-info")).to_have_text("You have logged out.")
    expect(page.locator(".site-nav")).to_contain_text("Log in")
    page.goto(post_url)
    expect(page.locator("article.post .post-actions")).to_have_count(0)
    screenshot("logged-out")


def test_an_admin_reads_the_charts_and_history_and_changes_a_role(
        live_server, browser, page, screenshot, admin, other_author, make_user, make_post):
    newcomer = make_user(email=NEWCOMER_EMAIL, name="Nia Newcomer")
    post = make_post(newcomer, title=TITLE, tags=["gardening"], status="draft")
    # The author publishes the draft through the site, so its history has an update.
    author_page = browser.new_context().new_page()
    log_in(author_page, live_server, NEWCOMER_EMAIL)
    author_page.goto(f"{live_server}/posts/{post.slug}/edit")
    author_page.select_option("select[name=status]", "published")
    author_page.click("button[name=save]")
    expect(author_page.locator(".flash-success")).to_have_text("Post saved.")
    author_page.context.close()

    log_in(page, live_server, admin.email)
    page.locator(".site-nav").get_by_role("link", name="Admin", exact=True).click()
    expect(page.locator("h1.page-title")).to_have_text("Statistics")
    totals = page.locator(".totals li")
    expect(totals.filter(has_text="users")).to_have_text(re.compile(r"^\s*3\s+users"))
    expect(totals.filter(has_text="published")).to_have_text(re.compile(r"^\s*2\s+published"))
    charts = page.locator("svg.chart-svg")
    expect(charts).to_have_count(6)
    published_chart = page.locator("#posts-by-month svg.chart-svg")
    this_month_bar = published_chart.locator("rect.chart-bar").last
    expect(this_month_bar.locator("title")).to_have_text(re.compile(r": 2$"))
    assert float(this_month_bar.get_attribute("height")) > 0
    expect(page.locator("#top-tags table")).to_contain_text("gardening")
    screenshot("dashboard")

    page.goto(f"{live_server}/posts/{post.slug}")
    page.click("text=History of changes")
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(2)
    newest, first = rows.nth(0), rows.nth(1)
    expect(newest.locator(".badge-action")).to_have_text("update")
    expect(newest).to_contain_text(NEWCOMER_EMAIL)
    expect(newest.locator("dl.diff")).to_contain_text("status")
    expect(newest.locator("dl.diff del")).to_contain_text(["draft"])
    expect(newest.locator("dl.diff ins")).to_contain_text(["published"])
    expect(newest.locator(".ip")).to_have_text("from 127.0.0.1")
    expect(first.locator(".badge-action")).to_have_text("create")
    screenshot("post-history")

    page.click(".admin-nav >> text=Users")
    page.fill("input[name=search]", "nia.newcomer")
    page.click("form.filters button[type=submit]")
    row = page.locator("table.data tbody tr", has_text=NEWCOMER_EMAIL)
    expect(row).to_have_count(1)
    row.locator("select[name=role]").select_option("moderator")
    row.locator("button:has-text('Change')").click()
    expect(page.locator(".flash-success")).to_have_text(f"{NEWCOMER_EMAIL} is now a moderator.")
    expect(page.locator("table.data tbody tr", has_text=NEWCOMER_EMAIL)
           .locator("select[name=role]")).to_have_value("moderator")
    screenshot("role-changed")

    page.goto(f"{live_server}/admin/audit?action=role_change")
    expect(page.locator("table.audit tbody tr")).to_have_count(1)
    expect(page.locator("table.audit tbody tr dl.diff")).to_contain_text("moderator")
    page.goto(f"{live_server}/users/{newcomer.pk}")
    expect(page.locator(".profile .badge-role")).to_have_text("moderator")
    screenshot("profile-shows-the-new-role")


def test_a_writer_who_forgot_the_password_resets_it_from_the_mailed_link(
        live_server, page, screenshot, other_author, mail_server):
    page.goto(f"{live_server}/auth/login")
    page.click("text=Forgot your password?")
    expect(page.locator("h1")).to_have_text("Reset your password")
    page.fill("input[name=email]", " OLU@example.com")
    page.click("main button[type=submit]")
    expect(page.locator("main [role=status]")).to_contain_text(
        "If an account exists for olu@example.com, a link is on its way")
    screenshot("reset-asked")

    delivered = mail_server.wait_for("olu@example.com")[0]
    link = delivered.link("/auth/reset/")
    assert link.startswith(f"{live_server}/auth/reset/"), "the link names the blog's own address"
    page.goto(link)
    expect(page.locator("h1")).to_have_text("Choose a new password")
    page.fill("input[name=password]", "a fresh start today")
    page.fill("input[name=password_confirm]", "a fresh start, today")
    page.click("main button[type=submit]")
    expect(page.locator(".field-errors")).to_have_text("The two passwords differ.")
    page.fill("input[name=password]", "a fresh start today")
    page.fill("input[name=password_confirm]", "a fresh start today")
    screenshot("new-password")
    page.click("main button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Your password is changed")
    expect(page.locator("h1")).to_have_text("Log in")
    screenshot("password-changed")

    log_in(page, live_server, "olu@example.com", "a fresh start today")
    expect(page.locator(".site-nav .who")).to_have_text("Olu Writer")
    page.click(".site-nav >> text=Settings")
    settings = page.locator("nav.settings-nav a")
    expect(settings).to_have_text(["Profile", "Password", "Email address", "Export your data",
                                   "Delete account"])
    settings.filter(has_text="Password").click()
    expect(page.locator("h1")).to_have_text("Change your password")
    screenshot("settings-password")

    page.goto(link)
    expect(page.locator("h1")).to_have_text("That link does not work")
    expect(page.locator("main")).to_contain_text("used already")
    screenshot("link-used")


def test_a_reader_comments_a_moderator_approves_and_everyone_reads_it(
        live_server, page, browser, screenshot, other_author, make_user):
    make_user(email="rae@example.com", name="Rae Reader")
    make_user(email="mo@example.com", name="Mo Moderator", role="moderator")
    post_url = f"{live_server}/posts/notes-on-sourdough-starters"

    page.goto(post_url)
    expect(page.locator("#comments")).to_contain_text("Log in or sign up to comment.")
    log_in(page, live_server, "rae@example.com")
    page.goto(post_url)
    page.fill("#comment-form textarea[name=body]",
              "Mine needs feeding **twice** a day in summer. <script>alert(1)</script>")
    page.click("#comment-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/posts/notes-on-sourdough-starters#comment-\w+$"))
    expect(page.locator(".flash-info")).to_contain_text("awaiting approval")
    pending = page.locator(".comment-pending")
    expect(pending).to_contain_text("twice")
    expect(pending.locator("strong")).to_have_text("twice")
    expect(pending).to_contain_text("<script>alert(1)</script>")
    expect(pending.locator(".badge-pending")).to_have_text("awaiting approval")
    screenshot("comment-awaiting-approval")

    visitor = browser.new_page()
    visitor.goto(post_url)
    expect(visitor.locator("#comments")).not_to_contain_text("twice")

    page.context.clear_cookies()
    log_in(page, live_server, "mo@example.com")
    page.click(".site-nav >> text=Moderation")
    expect(page.locator(".admin-nav [aria-current=page]")).to_contain_text("Comments 1")
    item = page.locator(".queue-item")
    expect(item).to_contain_text("Rae Reader on Notes on sourdough starters")
    screenshot("moderation-queue")
    item.locator("button", has_text="Approve").click()
    expect(page.locator(".flash-success")).to_contain_text("Approved")
    expect(page.locator(".empty")).to_have_text("Nothing is waiting for approval.")

    visitor.goto(post_url)
    comment = visitor.locator(".comment")
    expect(comment).to_contain_text("Rae Reader")
    expect(comment.locator("strong")).to_have_text("twice")
    expect(visitor.locator("#comments-title")).to_have_text("1 comment")
    visitor.goto(live_server)
    expect(visitor.locator(".card-comments")).to_have_text("1 comment")
    visitor.close()

    page.goto(post_url)
    page.locator(".reply summary").click()
    page.locator(".reply textarea").fill("Approved: thanks for the tip.")
    page.locator(".reply button").click()
    expect(page.locator(".comment-replies .comment")).to_contain_text("thanks for the tip")
    screenshot("a-moderators-reply")
