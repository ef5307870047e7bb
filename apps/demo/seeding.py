"""Reference and demo data for `manage.py seed`.

Everything is keyed by a natural key (slug, e-mail, name), so running the seed twice leaves
the same rows: existing rows are left as they are, missing ones are created.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from apps.accounts.groups import ensure_staff_groups
from apps.accounts.models import User, UserRole, default_tenant
from apps.accounts.services import user_create
from apps.bookings.models import Booking, BookingStatus
from apps.bookings.services import calendar_block_create
from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.listings.models import (
    Amenity,
    Category,
    Listing,
    ListingAmenity,
    ListingPhoto,
    ListingPriceOverride,
    ListingStatus,
    ListingTag,
    Tag,
)
from apps.listings.pricing import stay_quote
from apps.messaging.models import Message
from apps.reviews.models import AuthorRole, Review

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


@dataclass
class SeedReport:
    created: Counter = field(default_factory=Counter)
    # (e-mail, password) of accounts created with a generated password, shown once.
    generated_passwords: list[tuple[str, str]] = field(default_factory=list)

    def add(self, what: str, created: bool) -> None:
        self.created[what] += int(created)


def _load(name: str):
    return json.loads((FIXTURES_DIR / name).read_text(encoding="utf-8"))


@transaction.atomic
def seed_reference_data(report: SeedReport) -> None:
    for item in _load("categories.json"):
        parent = Category.objects.get(slug=item["parent"]) if item["parent"] else None
        _, created = Category.objects.get_or_create(
            slug=item["slug"],
            defaults={"name_fr": item["name_fr"], "name_en": item["name_en"], "parent": parent},
        )
        report.add("categories", created)
    for item in _load("amenities.json"):
        _, created = Amenity.objects.get_or_create(
            name_en=item["name_en"],
            defaults={k: item[k] for k in ("name_fr", "icon", "category", "description")},
        )
        report.add("amenities", created)
    for item in _load("tags.json"):
        _, created = Tag.objects.get_or_create(
            slug=item["slug"], defaults={"name_fr": item["name_fr"], "name_en": item["name_en"]}
        )
        report.add("tags", created)


def _password_for(env_var: str, email: str, report: SeedReport) -> str:
    password = os.environ.get(env_var)
    if not password:
        password = secrets.token_urlsafe(12)
        report.generated_passwords.append((email, password))
    return password


def _ensure_user(report: SeedReport, *, email: str, env_var: str, **fields) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        # Demo addresses are verified: they receive no mail (example.com) and must book and
        # publish at once.
        user = user_create(
            email=email,
            password=_password_for(env_var, email, report),
            email_verified_at=timezone.now(),
            **fields,
        )
        report.add("users", True)
    elif user.email_verified_at is None:
        # Seeded before e-mail verification existed: verified, as the new ones.
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at", "updated_at"])
    return user


@transaction.atomic
def seed_demo_data(report: SeedReport) -> None:
    demo = _load("demo.json")
    tenant = default_tenant()
    users: dict[str, User] = {}
    for item in demo["users"]:
        users[item["email"]] = _ensure_user(
            report,
            env_var="SEED_USER_PASSWORD",
            tenant=tenant,
            **item,
        )
    ensure_staff_groups(Group, Permission)
    for item in demo["staff"]:
        item = dict(item)
        group = Group.objects.get(name=item.pop("group"))
        staff = _ensure_user(
            report,
            env_var="SEED_STAFF_PASSWORD",
            tenant=tenant,
            role=UserRole.GUEST,
            is_staff=True,
            **item,
        )
        staff.groups.add(group)
    _ensure_user(
        report,
        env_var="SEED_ADMIN_PASSWORD",
        tenant=tenant,
        role=UserRole.GUEST,
        is_superuser=True,
        **demo["superuser"],
    )

    listings: dict[str, Listing] = {}
    new_blocks: dict[str, list[dict]] = {}
    for item in demo["listings"]:
        item = dict(item)
        amenity_names = item.pop("amenities")
        tag_slugs = item.pop("tags")
        owner = users[item.pop("owner")]
        category = Category.objects.get(slug=item.pop("category"))
        pricing = dict(item.pop("pricing", {}))
        overrides = pricing.pop("overrides", [])
        item.update(pricing)  # fees, discounts, cancellation policy
        photo_urls = item.pop("photos", [])
        calendar = dict(item.pop("calendar", {}))
        blocks = calendar.pop("blocks", [])
        item.update(calendar)  # nights, advance notice, preparation, booking window, instant book
        for key in ("area", "latitude", "longitude"):
            item[key] = Decimal(item[key])
        listing, created = Listing.all_objects.get_or_create(
            slug=item.pop("slug"),
            defaults={**item, "owner": owner, "category": category, "tenant": tenant},
        )
        report.add("listings", created)
        if created:
            ListingPhoto.objects.bulk_create(
                ListingPhoto(listing=listing, position=i, url=url)
                for i, url in enumerate(photo_urls)
            )
            for amenity in Amenity.objects.filter(name_en__in=amenity_names):
                ListingAmenity.objects.create(listing=listing, amenity=amenity)
            for tag in Tag.objects.filter(slug__in=tag_slugs):
                ListingTag.objects.create(listing=listing, tag=tag, added_by=owner)
            for override in overrides:  # seasons, relative to the day of seeding
                start = dates.today() + dt.timedelta(days=override["days_from_today"])
                ListingPriceOverride.objects.create(
                    listing=listing,
                    start_date=start,
                    end_date=start + dt.timedelta(days=override["nights"]),
                    price_cents=override["price_cents"],
                )
        if created:
            new_blocks[listing.slug] = blocks
        listings[listing.slug] = listing

    today = dates.today()
    bookings: dict[tuple[str, str], Booking] = {}
    for item in demo["bookings"]:
        listing = listings[item["listing"]]
        guest = users[item["guest"]]
        check_in = today + dt.timedelta(days=item["days_from_today"])
        check_out = check_in + dt.timedelta(days=item["nights"])
        existing = Booking.objects.filter(listing=listing, guest=guest).first()
        created = existing is None
        if created:
            # Priced as booking_create prices a stay (the listing's quote, frozen).
            quote = stay_quote(
                listing_id=listing.pk,
                check_in=check_in,
                check_out=check_out,
                guests=item["guests"],
            )
            existing = Booking.objects.create(
                listing=listing,
                guest=guest,
                tenant=tenant,
                check_in=check_in,
                check_out=check_out,
                guests=item["guests"],
                status=item["status"],
                total_cents=quote["total_cents"],
                currency=quote["currency"],
                quote=quote,
                cancellation_policy=quote["cancellation_policy"],
            )
        booking = existing
        report.add("bookings", created)
        bookings[(item["listing"], item["guest"])] = booking

    # The hosts' closed dates, relative to the day of seeding, laid as the host lays them
    # (after the bookings: PostgreSQL would refuse a block over a stay).
    for slug, blocks in new_blocks.items():
        listing = listings[slug]
        with db_context(DbContext.for_command("seed").with_user(listing.owner)):
            for block in blocks:
                start = today + dt.timedelta(days=block["days_from_today"])
                calendar_block_create(
                    listing=listing,
                    start=start,
                    end=start + dt.timedelta(days=block["nights"]),
                    note=block["note"],
                    actor=listing.owner,
                )
                report.add("blocks", True)

    for item in demo["reviews"]:
        booking = bookings[(item["listing"], item["guest"])]
        _, created = Review.objects.get_or_create(
            booking=booking,
            author_role=AuthorRole.GUEST,
            # Published as the demo's past: as if the host had reviewed too (a system actor
            # may set it; reviews_derive_columns keeps it).
            defaults={
                "tenant": tenant,
                "rating": item["rating"],
                "comment": item["comment"],
                "published_at": timezone.now(),
            },
        )
        report.add("reviews", created)

    for item in demo["messages"]:
        sender, recipient = users[item["from"]], users[item["to"]]
        _, created = Message.all_objects.get_or_create(
            sender=sender,
            recipient=recipient,
            subject=item["subject"],
            defaults={
                "tenant": tenant,
                "content": item["content"],
                "listing": listings[item["listing"]],
                "is_read": item["read"],
                "read_at": timezone.now() if item["read"] else None,
            },
        )
        report.add("messages", created)


# --- seed --demo-stay: a stay the README's session reviews ---------------------------------
DEMO_STAY_NIGHTS = 3


class DemoStayError(Exception):
    """What `seed --demo-stay` cannot do, said to the person running it."""


@transaction.atomic
def seed_demo_stay(email: str) -> tuple[Booking, bool]:
    """A completed stay of the user `email` at a published demo listing of another owner,
    ended yesterday — reviewable today (reviews open on the check-out day) — and whether it
    was created: until it is reviewed, the same stay is returned again. Completed stays hold
    no nights, so it never conflicts with a booking. Development data: run it in a command's
    database context, as the seed does."""
    guest = User.objects.filter(email__iexact=email).first()
    if guest is None:
        raise DemoStayError(f"No user {email!r}: register (or seed) the account first.")
    demo_slugs = [item["slug"] for item in _load("demo.json")["listings"]]
    listings = Listing.objects.filter(
        slug__in=demo_slugs,
        tenant_id=guest.tenant_id,
        status=ListingStatus.PUBLISHED,
        is_active=True,
    ).exclude(owner=guest)
    stays = Booking.objects.filter(
        guest=guest,
        listing__in=listings,
        status=BookingStatus.COMPLETED,
        check_out__lte=dates.today(),
    ).exclude(reviews__author_role=AuthorRole.GUEST)
    if (stay := stays.order_by("-check_out", "-id").first()) is not None:
        return stay, False
    listing = listings.order_by("id").first()
    if listing is None:
        raise DemoStayError("No demo listing to stay at: run `manage.py seed` first.")
    check_out = dates.today() - dt.timedelta(days=1)
    check_in = check_out - dt.timedelta(days=DEMO_STAY_NIGHTS)
    quote = stay_quote(listing_id=listing.pk, check_in=check_in, check_out=check_out, guests=1)
    stay = Booking.objects.create(
        listing=listing,
        guest=guest,
        tenant_id=listing.tenant_id,
        check_in=check_in,
        check_out=check_out,
        guests=1,
        status=BookingStatus.COMPLETED,
        total_cents=quote["total_cents"],
        currency=quote["currency"],
        quote=quote,
        cancellation_policy=quote["cancellation_policy"],
    )
    return stay, True
