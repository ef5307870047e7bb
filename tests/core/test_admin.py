"""The back-office: every page opens, staff permissions, moderation actions, query bounds."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog
from apps.listings.models import Listing, ListingStatus
from apps.messaging.models import Message
from apps.reviews.models import Review
from tests.factories import BookingFactory, MessageFactory, ReviewFactory, UserFactory
from tests.factories.listings import AmenityFactory, CategoryFactory, ListingFactory, TagFactory

pytestmark = pytest.mark.django_db

MODELS = [
    ("accounts", "tenant"), ("accounts", "user"), ("listings", "listing"),
    ("listings", "category"), ("listings", "tag"), ("listings", "amenity"),
    ("bookings", "booking"), ("reviews", "review"), ("messaging", "message"),
    ("core", "auditlog"),
]  # fmt: skip


def staff_client(group=None, superuser=False):
    user = UserFactory(staff=True, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def world():
    review = ReviewFactory()
    MessageFactory()
    CategoryFactory(parent=CategoryFactory())
    TagFactory()
    AmenityFactory()
    return review


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_every_changelist_and_change_page_opens_for_a_superuser(world, app, model):
    client, _ = staff_client(superuser=True)

    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200

    obj = changelist.context["cl"].result_list[0]
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk])).status_code == 200


def test_the_audit_log_is_read_only_even_for_superusers(world):
    client, _ = staff_client(superuser=True)
    entry = AuditLog.objects.filter(table_name="listings").first()

    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403
    page = client.get(reverse("admin:core_auditlog_change", args=[entry.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert client.post(reverse("admin:core_auditlog_delete", args=[entry.pk])).status_code == 403


def test_the_audit_detail_shows_changes_as_a_before_after_table():
    listing = ListingFactory(price_cents=10_000)
    Listing.objects.filter(pk=listing.pk).update(price_cents=12_000)
    entry = AuditLog.objects.get(table_name="listings", record_id=listing.pk, action="UPDATE")
    client, _ = staff_client(superuser=True)

    page = client.get(reverse("admin:core_auditlog_change", args=[entry.pk])).content.decode()

    assert "<th>price_cents</th><td>10000</td><td>12000</td>" in page


def run_action(client, app, model, action, ids, **extra):
    return client.post(
        reverse(f"admin:{app}_{model}_changelist"),
        {"action": action, "_selected_action": [str(i) for i in ids], **extra},
        follow=True,
    )


def test_a_moderator_archives_listings_and_the_audit_names_them():
    listings = ListingFactory.create_batch(2)
    client, moderator = staff_client("Moderators")

    response = run_action(client, "listings", "listing", "archive", [x.pk for x in listings])

    assert "Archived 2 of 2 selected." in response.content.decode()
    assert set(Listing.objects.values_list("status", flat=True)) == {ListingStatus.ARCHIVED}
    entries = AuditLog.objects.filter(table_name="listings", action="UPDATE")
    assert {(e.user_id, tuple(e.changes)) for e in entries} == {(moderator.pk, ("status",))}


def test_a_moderator_hides_a_review_only_with_a_reason():
    review = ReviewFactory()
    client, moderator = staff_client("Moderators")

    form = run_action(client, "reviews", "review", "hide", [review.pk])
    assert b"Reason" in form.content  # the action first asks why
    run_action(client, "reviews", "review", "hide", [review.pk], apply="1", reason="")
    review.refresh_from_db()
    assert not review.is_hidden

    response = run_action(
        client, "reviews", "review", "hide", [review.pk], apply="1", reason="Insults"
    )

    assert "Hide reviews: 1 of 1 changed." in response.content.decode()
    review.refresh_from_db()
    assert (review.is_hidden, review.hidden_reason, review.hidden_by) == (
        True,
        "Insults",
        moderator,
    )


def test_a_moderator_marks_messages_as_spam_in_bulk():
    messages = MessageFactory.create_batch(3)
    client, _ = staff_client("Moderators")

    response = run_action(client, "messaging", "message", "mark_spam", [m.pk for m in messages])

    assert "Marked as spam 3 of 3 selected." in response.content.decode()
    assert Message.objects.filter(is_spam=True).count() == 3


def test_support_cannot_moderate_and_nobody_deletes_listings():
    review = ReviewFactory()
    client, _ = staff_client("Support")

    changelist = client.get(reverse("admin:reviews_review_changelist")).content.decode()
    assert 'value="hide"' not in changelist
    run_action(client, "reviews", "review", "hide", [review.pk], apply="1", reason="x")
    assert not Review.objects.get(pk=review.pk).is_hidden

    listing = ListingFactory()
    admin_client, _ = staff_client(superuser=True)
    delete_url = reverse("admin:listings_listing_delete", args=[listing.pk])
    assert admin_client.get(delete_url).status_code == 403


def test_support_cancels_a_booking_with_a_reason():
    booking = BookingFactory()
    client, _ = staff_client("Support")

    run_action(client, "bookings", "booking", "cancel", [booking.pk], apply="1", reason="Flood")

    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_reason) == ("cancelled", "Flood")


def test_a_moderator_cannot_change_permissions_or_delete_users():
    target = UserFactory()
    client, _ = staff_client("Moderators")

    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_delete", args=[target.pk])).status_code == 403
    run_action(client, "accounts", "user", "verify", [target.pk])
    target.refresh_from_db()
    assert target.is_verified


def test_a_listing_reverts_to_an_old_version_from_its_page():
    listing = ListingFactory(title="First title for this flat")
    Listing.objects.filter(pk=listing.pk).update(title="Second title for this flat")
    first = listing.versions.get(version=1)
    client, _ = staff_client(superuser=True)
    page = client.get(reverse("admin:listings_listing_change", args=[listing.pk]))
    form = page.context["adminform"].form
    # As the browser sends the form back: each field's shown value (the price in euros).
    data = {k: form[k].value() for k in form.fields if form[k].value() is not None}
    data.update({"photos": "", "_revert_to": str(first.pk)})
    # Every inline of the page, other apps' too (the calendar), sent back with no row.
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})

    client.post(reverse("admin:listings_listing_change", args=[listing.pk]), data)

    listing.refresh_from_db()
    assert listing.title == "First title for this flat"
    assert listing.versions.count() == 3


@pytest.mark.parametrize(
    ("app", "model", "factory"),
    [
        ("listings", "listing", lambda n: ListingFactory.create_batch(n)),
        ("bookings", "booking", lambda n: BookingFactory.create_batch(n)),
        ("messaging", "message", lambda n: MessageFactory.create_batch(n)),
        ("core", "auditlog", lambda n: ListingFactory.create_batch(n)),
        ("accounts", "user", lambda n: UserFactory.create_batch(n)),
    ],
)
def test_big_changelists_run_a_bounded_number_of_queries(
    app, model, factory, django_assert_max_num_queries
):
    client, _ = staff_client(superuser=True)
    url = reverse(f"admin:{app}_{model}_changelist")
    factory(3)
    client.get(url)  # warm caches (content types, sessions)
    with django_assert_max_num_queries(30) as few:
        assert client.get(url).status_code == 200
    factory(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_an_unfiltered_big_changelist_does_not_count_every_row(django_assert_num_queries):
    ListingFactory.create_batch(3)
    client, _ = staff_client(superuser=True)
    client.get(reverse("admin:listings_listing_changelist"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("admin:listings_listing_changelist"))
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # Only the capped count (a LIMITed subquery), never a bare count(*) over the table.
    assert all("LIMIT" in sql for sql in counts), counts


def test_moderation_happens_as_the_staff_user_in_postgresql():
    listing = ListingFactory()
    client, moderator = staff_client("Moderators")

    run_action(client, "listings", "listing", "soft_delete", [listing.pk])

    with db_context(DbContext.system("tests")):
        listing = Listing.all_objects.get(pk=listing.pk)
    assert listing.deleted_by == moderator


def test_the_audit_log_filters_by_table_action_and_user():
    listing = ListingFactory()
    client, moderator = staff_client("Moderators")
    run_action(client, "listings", "listing", "archive", [listing.pk])
    url = reverse("admin:core_auditlog_changelist")

    page = client.get(
        url, {"table_name": "listings", "action__exact": "UPDATE", "user": moderator.pk}
    )

    assert page.status_code == 200
    assert [e.record_id for e in page.context["cl"].result_list] == [listing.pk]
    assert client.get(url, {"q": str(listing.pk)}).status_code == 200
