import datetime as dt

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Now
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from apps.core.dates import HORIZON_DAYS
from apps.core.db.functions import DateRange
from apps.core.models import TimeStampedModel, acting_user_field
from apps.listings.models import MAX_PREPARATION_DAYS, CancellationPolicy


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")
    # The host did not answer a pending request within BOOKING_REQUEST_TTL_HOURS: set by the
    # system only (bookings.0012's guard), it holds no nights.
    EXPIRED = "expired", _("Expired")


class CancelledBy(models.TextChoices):
    """Who cancelled a booking: a host's cancellation counts against the host."""

    GUEST = "guest", _("Guest")
    HOST = "host", _("Host")
    STAFF = "staff", _("Staff")


class RefundRule(models.TextChoices):
    """The rule that set a cancelled booking's refund (apps/bookings/refunds.py)."""

    HOST = "host", _("Cancelled by the host: full refund")
    STAFF = "staff", _("Cancelled by staff: full refund")
    PENDING = "pending", _("Request not confirmed yet: full refund")
    FLEXIBLE_FULL = "flexible_full", _("Flexible: full refund")
    FLEXIBLE_PARTIAL = "flexible_partial", _("Flexible: nights not yet spent but one")
    MODERATE_FULL = "moderate_full", _("Moderate: full refund")
    MODERATE_PARTIAL = "moderate_partial", _("Moderate: half of the nights not yet spent")
    STRICT_GRACE = "strict_grace", _("Strict: full refund within 48 hours of booking")
    STRICT_HALF = "strict_half", _("Strict: half of the nights")
    STRICT_NONE = "strict_none", _("Strict: no night refunded")


EARLIEST_STAY = dt.date(2000, 1, 1)
# The database's ceiling on a stay's length; the business rule is BOOKING_MAX_NIGHTS (90).
MAX_STAY = dt.timedelta(days=366)
MAX_PREPARATION = dt.timedelta(days=MAX_PREPARATION_DAYS)

# Statuses that hold the listing's nights: each has an entry in its listing's calendar
# (CalendarEntry), where two entries never overlap.
BLOCKING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
# Statuses a booking may be cancelled from (booking_cancel, the refund preview).
CANCELLABLE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class Booking(TimeStampedModel):
    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("listing"),
    )
    guest = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("guest"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )
    check_in = models.DateField(verbose_name=_("check-in"))
    check_out = models.DateField(verbose_name=_("check-out"))
    guests = models.SmallIntegerField(default=1, db_default=1, verbose_name=_("guests"))
    status = models.CharField(
        max_length=20,
        choices=BookingStatus.choices,
        default=BookingStatus.PENDING,
        db_default=BookingStatus.PENDING,
        verbose_name=_("status"),
    )
    # A snapshot of the price when the guest booked: later price changes do not touch it.
    total_cents = models.BigIntegerField(verbose_name=_("total (cents)"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    # The price as quoted at booking (apps/listings/pricing.py): line items and total, frozen.
    # Its total_cents and currency are the columns' (CHECK bookings_total_quoted).
    quote = models.JSONField(verbose_name=_("quote"))
    # The listing's policy when the guest booked: later changes of the listing's do not apply.
    cancellation_policy = models.CharField(
        max_length=20,
        choices=CancellationPolicy.choices,
        default=CancellationPolicy.MODERATE,
        db_default=CancellationPolicy.MODERATE,
        verbose_name=_("cancellation policy"),
    )
    cancellation_reason = models.TextField(
        blank=True, default="", db_default="", verbose_name=_("cancellation reason")
    )
    # Written with the cancellation (booking_cancel), by apps/bookings/refunds.py's rules.
    cancelled_by = models.CharField(
        max_length=10,
        choices=CancelledBy.choices,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("cancelled by"),
    )
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    refund_cents = models.BigIntegerField(null=True, blank=True, verbose_name=_("refund (cents)"))
    refund_rule = models.CharField(
        max_length=20,
        choices=RefundRule.choices,
        blank=True,
        default="",
        db_default="",
        verbose_name=_("refund rule"),
    )

    class Meta:
        db_table = "bookings"
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        permissions = [("cancel_booking", "Can cancel bookings on behalf of their parties")]
        constraints = [
            models.CheckConstraint(
                condition=Q(check_out__gt=F("check_in")), name="bookings_check_out_after_check_in"
            ),
            models.CheckConstraint(condition=Q(guests__gte=1), name="bookings_guests_min_1"),
            # A sane range; how far ahead a stay may start is relative to today, hence a
            # trigger (bookings_check_in_within_advance).
            models.CheckConstraint(
                condition=Q(check_in__gte=EARLIEST_STAY), name="bookings_check_in_since_2000"
            ),
            models.CheckConstraint(
                condition=Q(check_out__lte=F("check_in") + MAX_STAY),
                name="bookings_stay_at_most_a_year",
            ),
            models.CheckConstraint(
                condition=Q(total_cents__gte=0), name="bookings_total_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BookingStatus.values), name="bookings_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(cancellation_policy__in=CancellationPolicy.values),
                name="bookings_cancellation_policy_valid",
            ),
            models.CheckConstraint(
                condition=Exact(
                    Cast(KeyTextTransform("total_cents", "quote"), models.BigIntegerField()),
                    F("total_cents"),
                )
                & Exact(KeyTextTransform("currency", "quote"), F("currency")),
                name="bookings_total_quoted",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="bookings_currency_iso_4217"
            ),
            models.CheckConstraint(
                condition=Q(refund_cents__isnull=True)
                | Q(refund_cents__gte=0, refund_cents__lte=F("total_cents")),
                name="bookings_refund_within_total",
            ),
            models.CheckConstraint(
                condition=Q(refund_rule="") | Q(refund_rule__in=RefundRule.values),
                name="bookings_refund_rule_valid",
            ),
            models.CheckConstraint(
                condition=Q(cancelled_by="") | Q(cancelled_by__in=CancelledBy.values),
                name="bookings_cancelled_by_valid",
            ),
            # Cancellations before refunds existed keep null/empty ones; a refund, its rule and
            # who cancelled belong to cancelled bookings only.
            models.CheckConstraint(
                condition=Q(status=BookingStatus.CANCELLED)
                | Q(refund_cents__isnull=True, refund_rule="", cancelled_by="", cancelled_at=None),
                name="bookings_refund_when_cancelled",
            ),
            # A host's cancellation refunds the guest in full.
            models.CheckConstraint(
                condition=~Q(cancelled_by=CancelledBy.HOST) | Q(refund_cents=F("total_cents")),
                name="bookings_host_cancel_refunds_all",
            ),
        ]
        indexes = [
            models.Index(fields=["guest", "check_in"], name="bookings_guest_check_in_idx"),
            models.Index(fields=["listing", "status"], name="bookings_listing_status_idx"),
            models.Index(fields=["status", "check_out"], name="bookings_status_check_out_idx"),
            # The admin's "cancelled by" filter (hosts' cancellations are rare: a partial index).
            models.Index(
                fields=["cancelled_by", "listing"],
                name="bookings_cancelled_by_idx",
                condition=~Q(cancelled_by=""),
            ),
            # The pending-requests cap's count (trigger bookings_limit_pending_per_guest).
            models.Index(
                fields=["guest"],
                condition=Q(status=BookingStatus.PENDING),
                name="bookings_pending_guest_idx",
            ),
            # The expiry sweep's filter: pending requests by age (expire_booking_requests).
            models.Index(
                fields=["created_at"],
                condition=Q(status=BookingStatus.PENDING),
                name="bookings_pending_created_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking #{self.pk} of listing {self.listing_id} ({self.check_in}→{self.check_out})"

    @property
    def nights(self) -> int:
        return (self.check_out - self.check_in).days

    @property
    def expires_at(self) -> dt.datetime | None:
        """When a pending request expires (created_at + BOOKING_REQUEST_TTL_HOURS); None once
        the host answered, or for any other status."""
        if self.status != BookingStatus.PENDING or self.created_at is None:
            return None
        return self.created_at + request_ttl()


def request_ttl() -> dt.timedelta:
    """How long a pending request waits for its host (BOOKING_REQUEST_TTL_HOURS)."""
    return dt.timedelta(hours=settings.BOOKING_REQUEST_TTL_HOURS)


class CalendarEntryKind(models.TextChoices):
    BOOKING = "booking", _("Booking")
    BLOCK = "block", _("Blocked by the host")


# The longest block a host may lay at once: the horizon of any calendar (apps/core/dates.py).
MAX_BLOCK = dt.timedelta(days=HORIZON_DAYS)


class CalendarEntry(models.Model):
    """One listing's calendar: the nights held by its pending and confirmed bookings and the
    nights its host blocked, in one table, so that one exclusion constraint keeps any two of
    them apart — racing transactions included, whoever writes (migration bookings.0015).

    A booking's entry is written by PostgreSQL only (triggers on bookings): added when the
    booking holds nights, removed when it stops (declined, cancelled, expired, completed).
    Its `turnover_end` is its check-out plus the listing's preparation days at booking time,
    and a second exclusion constraint keeps bookings' [start, turnover_end) apart: the host's
    preparation nights between two stays. Blocks may touch a stay's preparation nights (they
    are closed anyway). Blocks are the host's (API /listings/{id}/blocks/, the admin)."""

    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.CASCADE,
        related_name="calendar_entries",
        db_index=False,  # calendar_entries_lookup leads with it
        verbose_name=_("listing"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )
    kind = models.CharField(
        max_length=10, choices=CalendarEntryKind.choices, verbose_name=_("kind")
    )
    # PostgreSQL adds and removes a booking's entry (trigger bookings_sync_calendar): the ORM
    # leaves it alone.
    booking = models.OneToOneField(
        Booking,
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="calendar_entry",
        verbose_name=_("booking"),
    )
    start_date = models.DateField(verbose_name=_("first night"))
    end_date = models.DateField(
        help_text=_("The day after the last night (exclusive)."), verbose_name=_("end")
    )
    turnover_end = models.DateField(
        editable=False,
        help_text=_("The end and the preparation nights after it (a booking's only)."),
        verbose_name=_("end of preparation"),
    )
    note = models.CharField(
        max_length=500, blank=True, default="", db_default="", verbose_name=_("note")
    )
    # A block imported from another platform's calendar: the sync (calendar_feed_sync) adds,
    # moves and removes it as the feed changes; deleting the feed lifts its blocks.
    feed = models.ForeignKey(
        "CalendarFeed",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="blocks",
        verbose_name=_("imported from"),
    )
    feed_uid = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",
        editable=False,
        verbose_name=_("event in the feed"),
    )
    created_by = acting_user_field(verbose_name=_("created by"))
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )

    class Meta:
        db_table = "calendar_entries"
        verbose_name = _("calendar entry")
        verbose_name_plural = _("calendar entries")
        ordering = ["listing", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=CalendarEntryKind.values), name="calendar_entries_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="calendar_entries_end_after_start",
                violation_error_message=_("The end comes after the first night."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__gte=EARLIEST_STAY), name="calendar_entries_since_2000"
            ),
            models.CheckConstraint(
                condition=Q(end_date__lte=F("start_date") + MAX_BLOCK),
                name="calendar_entries_at_most_horizon",
            ),
            # A booking's entry names it; a block names none and has no preparation nights.
            models.CheckConstraint(
                condition=Q(kind=CalendarEntryKind.BOOKING, booking__isnull=False)
                | Q(kind=CalendarEntryKind.BLOCK, booking__isnull=True, turnover_end=F("end_date")),
                name="calendar_entries_kind_shape",
            ),
            # Only blocks are imported, each event of a feed once.
            models.CheckConstraint(
                condition=Q(feed__isnull=True, feed_uid="")
                | Q(feed__isnull=False, kind=CalendarEntryKind.BLOCK) & ~Q(feed_uid=""),
                name="calendar_entries_feed_shape",
            ),
            # The tenant (the feed's and the listing's) changes nothing here and lets the index
            # be split by tenant (docs/scaling.md).
            models.UniqueConstraint(
                fields=["feed", "feed_uid", "tenant"],
                condition=Q(feed__isnull=False),
                name="calendar_entries_feed_event_once",
            ),
            models.CheckConstraint(
                condition=Q(turnover_end__gte=F("end_date"))
                & Q(turnover_end__lte=F("end_date") + MAX_PREPARATION),
                name="calendar_entries_turnover_range",
            ),
            ExclusionConstraint(
                name="calendar_entries_no_overlap",
                expressions=[
                    ("listing", RangeOperators.EQUAL),
                    (DateRange("start_date", "end_date"), RangeOperators.OVERLAPS),
                ],
                violation_error_code="dates_unavailable",
                violation_error_message=_("These dates overlap a booking or a blocked period."),
            ),
            ExclusionConstraint(
                name="calendar_entries_preparation",
                expressions=[
                    ("listing", RangeOperators.EQUAL),
                    (DateRange("start_date", "turnover_end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(kind=CalendarEntryKind.BOOKING),
                violation_error_code="dates_unavailable",
                violation_error_message=_(
                    "These dates leave too few preparation nights beside another booking."
                ),
            ),
        ]
        indexes = [
            # Availability and search read a listing's entries whose nights (preparation
            # included: turnover_end, a block's end) end after a date and that start before
            # another (listing_unavailable_ranges): b-tree date comparisons, leakproof, reach it
            # under row-level security, where the range operators would not.
            models.Index(
                fields=["listing", "turnover_end", "start_date"], name="calendar_entries_lookup"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date}→{self.end_date}"


class CalendarExport(models.Model):
    """The rotation counter of a listing's secret calendar URL
    (/listings/{id}/calendar.ics?token=…, apps/bookings/calendar_export.py). The token is an
    HMAC of the listing and this version under SECRET_KEY, so no secret is stored here; the
    owner rotating the URL adds one, and every URL handed out before stops working. A listing
    without a row is at version 0."""

    # Its own id, as every audited table's (audit_capture pairs rows by id).
    listing = models.OneToOneField(
        "listings.Listing",
        on_delete=models.CASCADE,
        related_name="calendar_export",
        verbose_name=_("listing"),
    )
    version = models.PositiveIntegerField(default=0, db_default=0, verbose_name=_("version"))
    rotated_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("rotated at")
    )

    class Meta:
        db_table = "calendar_exports"
        verbose_name = _("calendar export")
        verbose_name_plural = _("calendar exports")

    def __str__(self) -> str:
        return f"{self.listing_id} v{self.version}"


class CalendarFeedStatus(models.TextChoices):
    PENDING = "pending", _("Not synced yet")
    OK = "ok", _("Synced")
    CONFLICT = "conflict", _("Synced, with conflicts")
    ERROR = "error", _("Failed")


# Calendars a listing imports at most.
MAX_FEEDS_PER_LISTING = 10


class CalendarFeed(models.Model):
    """Another platform's calendar of a listing (an iCalendar URL its host gave), imported as
    blocks (CalendarEntry.feed) by the job sync_calendar_feed. Each sync records its time,
    its status and the events that could not become blocks because they overlap a booking or
    another block (`conflicts`): shown to the host, never dropped silently."""

    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
        verbose_name=_("listing"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )
    url = models.URLField(max_length=2000, verbose_name=_("address"))
    name = models.CharField(
        max_length=100, blank=True, default="", db_default="", verbose_name=_("name")
    )
    status = models.CharField(
        max_length=10,
        choices=CalendarFeedStatus.choices,
        default=CalendarFeedStatus.PENDING,
        db_default=CalendarFeedStatus.PENDING,
        verbose_name=_("status"),
    )
    last_synced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last sync"))
    last_error = models.CharField(
        max_length=500, blank=True, default="", db_default="", verbose_name=_("last error")
    )
    # The previous answer's validators, sent back for a conditional GET.
    etag = models.CharField(max_length=500, blank=True, default="", db_default="")
    last_modified = models.CharField(max_length=100, blank=True, default="", db_default="")
    conflicts = models.JSONField(default=list, blank=True, verbose_name=_("conflicts"))
    created_by = acting_user_field(verbose_name=_("created by"))
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )

    class Meta:
        db_table = "calendar_feeds"
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["listing", "id"]
        constraints = [
            # The tenant (the listing's) changes nothing here and lets the index be split by
            # tenant (docs/scaling.md).
            models.UniqueConstraint(
                fields=["listing", "url", "tenant"],
                name="calendar_feeds_once_per_listing",
                violation_error_message=_("This calendar is imported already."),
            ),
            models.CheckConstraint(
                condition=Q(url__regex=r"^https?://"), name="calendar_feeds_http_only"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CalendarFeedStatus.values),
                name="calendar_feeds_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.url[:60]
