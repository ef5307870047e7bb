"""A moderator's day in the back-office, in a real browser (screenshots: tests/e2e/screenshots)."""

import pytest

from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from apps.messaging.models import Message
from apps.reviews.models import Review
from tests.e2e.admin_pages import log_in, select_and_run, staff
from tests.factories import ListingFactory, MessageFactory, ReviewFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_moderator_archives_marks_spam_hides_and_finds_it_all_in_the_audit_log(page, shoot):
    moderator = staff("mona.moderator@example.com", "Moderators")
    with db_context(DbContext.system("tests")):
        listing = ListingFactory(title="Loft with a suspicious view")
        ListingFactory.create_batch(3)
        message = MessageFactory(subject="Cheap watches, click here")
        review = ReviewFactory(comment="Rude words about the host")

    log_in(page, moderator.email)
    shoot("moderation-01-dashboard")

    # Find the listing by search, archive it.
    page.goto("/admin/listings/listing/")
    page.fill("#searchbar", "suspicious")
    page.press("#searchbar", "Enter")
    page.wait_for_selector("text=Loft with a suspicious view")
    shoot("moderation-02-listing-search")
    select_and_run(page, "Archive selected listings")
    page.wait_for_selector("text=Archived 1 of 1 selected.")
    shoot("moderation-03-listing-archived")

    # The spam queue: mark the message as spam.
    page.goto("/admin/messaging/message/?is_spam__exact=0")
    select_and_run(page, "Mark selected messages as spam")
    page.wait_for_selector("text=Marked as spam 1 of 1 selected.")
    # It left the not-spam list: the spam queue shows it.
    page.goto("/admin/messaging/message/?queue=spam")
    page.wait_for_selector("#result_list >> text=Cheap watches, click here")
    shoot("moderation-04-message-spam")

    # Hide the review, which asks for a reason first.
    page.goto("/admin/reviews/review/")
    select_and_run(page, "Hide selected reviews (with a reason)")
    page.fill("textarea[name=reason]", "Insults towards the host")
    shoot("moderation-05-review-reason")
    page.click("input[name=apply]")
    page.wait_for_selector("text=Hide reviews: 1 of 1 changed.")
    shoot("moderation-06-review-hidden")

    # The audit log names the moderator for each of the three actions.
    page.goto("/admin/core/auditlog/?action__exact=UPDATE&q=")
    page.wait_for_selector("#result_list")
    shoot("moderation-07-audit-log")
    rows = page.inner_text("#result_list")
    for table in ("listings", "messages", "reviews"):
        assert table in rows
    assert rows.count(moderator.email) >= 3

    with db_context(DbContext.system("tests")):
        assert Listing.objects.get(pk=listing.pk).status == "archived"
        assert Message.objects.get(pk=message.pk).is_spam
        assert Review.objects.get(pk=review.pk).hidden_reason == "Insults towards the host"

    # The detail of an entry shows before and after.
    page.click("#result_list tbody tr:first-child th a")
    page.wait_for_selector("table.audit-changes")
    shoot("moderation-08-audit-detail")


def test_support_is_refused_a_moderator_only_action(page, shoot):
    support = staff("sam.support@example.com", "Support")
    with db_context(DbContext.system("tests")):
        review = ReviewFactory(comment="A perfectly fine review")

    log_in(page, support.email)
    page.goto("/admin/reviews/review/")
    page.wait_for_selector("#result_list")
    options = page.locator("select[name=action] option").all_inner_texts()
    shoot("support-01-no-hide-action")

    assert not any("Hide" in option for option in options)
    # Even a hand-made request is refused: the review stays visible.
    page.goto(f"/admin/reviews/review/{review.pk}/change/")
    assert "Save" not in page.inner_text("#content")
    with db_context(DbContext.system("tests")):
        assert not Review.objects.get(pk=review.pk).is_hidden
