"""Smoke test of the back-office: every registered model's pages open for a superuser, and the
admin stays usable on tables of a million rows (no full counts, no <select> of every row)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse

from apps.accounts.models import ApiToken, User, default_tenant
from apps.bookings.models import Booking
from apps.core.models import AuditLog
from apps.listings.models import Listing, ListingAmenity, ListingPriceOverride, ListingTag
from apps.listings.pricing import stay_quote
from apps.listings.services import listing_soft_delete
from apps.messaging.models import Message
from apps.messaging.services import message_soft_delete
from apps.notifications.services import notify
from apps.reviews.services import review_reply
from tests.factories import (
    AmenityFactory,
    BookingFactory,
    CategoryFactory,
    ListingFactory,
    MessageFactory,
    ProfileFactory,
    ReviewFactory,
    TagFactory,
    UserFactory,
)
from tests.helpers import token_for

pytestmark = pytest.mark.django_db

# Tables that reach a million rows: their admins skip the full count and never render a
# foreign key to one of them as a <select> of every row.
BIG_TABLES = {"listings", "users", "bookings", "messages", "audit_logs"}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser():
    return UserFactory(staff=True, is_superuser=True)


@pytest.fixture
def client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def admin_world() -> Listing:
    """At least one row of every registered model, each inline with a row of its own (the
    browser tests open every changelist on it too: tests/e2e/test_admin_layout.py)."""
    review = ReviewFactory(booking__listing__price_cents=15_000)
    listing, booking = review.listing, review.booking
    ProfileFactory(user=booking.guest)
    ListingAmenity.objects.create(listing=listing, amenity=AmenityFactory())
    ListingTag.objects.create(listing=listing, tag=TagFactory(), added_by=listing.owner)
    ListingPriceOverride.objects.create(
        listing=listing, start_date=booking.check_in, end_date=booking.check_out,
        price_cents=18_000,
    )  # fmt: skip
    CategoryFactory(parent=CategoryFactory())
    MessageFactory(sender=booking.guest, recipient=listing.owner, listing=listing, booking=booking)
    token_for(booking.guest)
    review_reply(review_id=review.pk, body="Thank you for staying with us.", actor=listing.owner)
    # A notification to the host, and its send job in the queue (the jobs admin).
    notify(recipient_id=listing.owner_id, kind="test_email", event_key="admin-smoke", data={})
    # Audit rows come from the database's triggers: the application role may not insert them.
    assert AuditLog.objects.filter(table_name="listings", record_id=listing.pk).exists()
    return listing


@pytest.fixture
def world():
    return admin_world()


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_registered_model_opens_its_changelist_add_and_change_pages(
    world, client, superuser, model
):
    changelist = client.get(admin_url(model, "changelist"))
    assert changelist.status_code == 200
    cl = changelist.context["cl"]
    assert cl.result_list, f"no {model._meta.label} row to open: give the world fixture one"

    model_admin = admin.site.get_model_admin(model)
    request = RequestFactory().get("/")
    request.user = superuser
    add = client.get(admin_url(model, "add"))
    assert add.status_code == (200 if model_admin.has_add_permission(request) else 403)

    # The changelist's own link: the token admin, for one, links by user id.
    change = client.get(cl.url_for_result(cl.result_list[0]))
    assert change.status_code == 200


def test_the_audit_log_is_read_only(world, client):
    entry = AuditLog.objects.filter(table_name="listings", record_id=world.pk).first()

    assert client.get(admin_url(AuditLog, "add")).status_code == 403
    page = client.get(admin_url(AuditLog, "change", entry.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b'name="_continue"' not in page.content
    assert client.post(admin_url(AuditLog, "delete", entry.pk)).status_code == 403


def test_soft_deleted_listings_and_messages_stay_visible_to_staff(world, client, superuser):
    message = Message.objects.get()
    listing_soft_delete(listing=world, actor=superuser)
    message_soft_delete(message=message, actor=superuser)

    listings = client.get(admin_url(Listing, "changelist")).context["cl"].result_list
    messages = client.get(admin_url(Message, "changelist")).context["cl"].result_list

    assert world.pk in [listing.pk for listing in listings]
    assert message.pk in [message.pk for message in messages]
    assert client.get(admin_url(Listing, "change", world.pk)).status_code == 200
    assert client.get(admin_url(Message, "change", message.pk)).status_code == 200


def test_listing_prices_show_in_currency_units(world, client):
    page = client.get(admin_url(Listing, "changelist"))

    assert "150.00 EUR" in page.content.decode()


def test_the_listing_form_shows_fees_discounts_policy_and_price_overrides(world, client):
    Listing.objects.filter(pk=world.pk).update(cleaning_fee_cents=4_500, weekly_discount_percent=10)

    page = client.get(admin_url(Listing, "change", world.pk)).content.decode()

    for name in (
        "cleaning_fee_cents",
        "extra_guest_fee_cents",
        "guests_included",
        "weekly_discount_percent",
        "monthly_discount_percent",
        "cancellation_policy",
    ):
        assert f'name="{name}"' in page  # fmt: skip
    assert 'value="45.00"' in page  # the cleaning fee, in currency units
    # The override, read-only (added and deleted, never edited), in currency units.
    assert 'name="price_overrides-0-price_cents"' not in page
    assert "180.00 EUR" in page


def test_the_booking_page_shows_its_frozen_quote_line_by_line(client):
    listing = ListingFactory(
        price_cents=10_000, cleaning_fee_cents=3_000, extra_guest_fee_cents=1_000,
        guests_included=1, weekly_discount_percent=10,
    )  # fmt: skip
    booking = BookingFactory(listing=listing, guests=2)
    booking.check_out = booking.check_in + dt.timedelta(days=7)
    booking.quote = stay_quote(
        listing_id=listing.pk, check_in=booking.check_in, check_out=booking.check_out, guests=2
    )
    booking.total_cents = booking.quote["total_cents"]
    booking.save()

    page = client.get(admin_url(Booking, "change", booking.pk)).content.decode()

    assert f"Night of {booking.check_in}" in page
    assert "1 extra guests × 7 nights × 10.00 EUR" in page
    assert "Weekly discount (10%)" in page and "-77.00 EUR" in page
    assert "Cleaning fee" in page and "30.00 EUR" in page
    assert "Total</td><td>723.00 EUR" in page


def test_a_superuser_adds_a_user_who_logs_in_with_an_email(client):
    response = client.post(
        admin_url(User, "add"),
        {
            "email": "New.Host@Example.com",
            "name": "New Host",
            "role": "owner",
            "tenant": default_tenant().pk,
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-0-bio": "Hosts in Lyon.",
        },
    )

    assert response.status_code == 302, response.context["errors"]
    user = get_user_model().objects.get(email__iexact="new.host@example.com")
    assert user.check_password("a-long-enough-passphrase-42")
    assert (user.role, user.is_staff, user.profile.bio) == ("owner", False, "Hosts in Lyon.")


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_big_tables_are_paged_without_a_full_count(model):
    model_admin = admin.site.get_model_admin(model)
    if model._meta.db_table in BIG_TABLES:
        assert model_admin.show_full_result_count is False


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_no_form_renders_a_select_of_every_row_of_a_big_table(superuser, model):
    request = RequestFactory().get("/")
    request.user = superuser
    model_admin = admin.site.get_model_admin(model)
    admins = [model_admin, *model_admin.get_inline_instances(request)]

    offenders = []
    for each in admins:
        # An inline's own foreign key to its parent is a hidden field, not a <select>.
        parent = getattr(each, "parent_model", None)
        quiet = {
            *each.get_autocomplete_fields(request),
            *each.raw_id_fields,
            *each.get_readonly_fields(request),
        }
        for name in each.get_fields(request):
            try:
                field = each.model._meta.get_field(name)
            except Exception:  # noqa: S112 - a method or an admin-only field, not a column
                continue
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model._meta.db_table in BIG_TABLES
                and name not in quiet
                and field.related_model is not parent
            ):
                offenders.append(f"{type(each).__name__}.{name}")

    assert not offenders, "use autocomplete_fields or raw_id_fields: " + ", ".join(offenders)


def test_tokens_are_found_by_their_users_exact_email(world, client):
    token = ApiToken.objects.select_related("user").get()
    url = admin_url(ApiToken, "changelist")

    found = client.get(url, {"q": token.user.email.upper()}).context["cl"].result_list
    partial = client.get(url, {"q": token.user.email[:4]}).context["cl"].result_list

    assert [t.pk for t in found] == [token.pk]
    assert list(partial) == []
