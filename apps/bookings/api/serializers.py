from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.models import Booking, CalendarEntry, CalendarFeed, CancelledBy, RefundRule
from apps.core.api.routers import MAX_ID
from apps.core.api.serializers import RejectUnknownFieldsMixin
from apps.core.dates import validate_query_date
from apps.listings.api.serializers import FrozenQuoteSerializer


class BookingListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField(
        allow_null=True,
        help_text="null when the caller can no longer see the listing (unpublished, deleted).",
    )


@extend_schema_field(BookingListingSerializer)
class BookingListingField(serializers.Field):
    """The listing's id always; its title when the caller may still see the listing."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, booking):
        try:
            title = booking.listing.title  # prefetched by the selector
        except ObjectDoesNotExist:  # row-level security hid it from the caller
            title = None
        return {"id": booking.listing_id, "title": title}


class BookingGuestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # "deleted user", in the reader's language, once the account is erased.
    name = serializers.CharField(source="display_name")


class GuestRatingSerializer(serializers.Serializer):
    average = serializers.DecimalField(max_digits=3, decimal_places=2)
    count = serializers.IntegerField()


@extend_schema_field(GuestRatingSerializer(allow_null=True))
class GuestRatingField(serializers.Field):
    """The hosts' published reviews of the guest, summed up (reviews registers the values:
    selectors.register_booking_annotation); null while no host has reviewed them."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, booking):
        count = getattr(booking, "guest_review_count", None)
        if not count:
            return None
        average = getattr(booking, "guest_rating_avg", None)
        return {"average": str(average), "count": count}


class BlankAsNullChoiceField(serializers.ChoiceField):
    """A choice column that stores "" for "none yet" (no NULL in a CharField), shown as null:
    the schema's enum then holds only real choices."""

    def to_representation(self, value):
        return None if value == "" else super().to_representation(value)


class BookingSerializer(serializers.ModelSerializer):
    listing = BookingListingField()
    cancelled_by = BlankAsNullChoiceField(
        choices=CancelledBy.choices,
        allow_null=True,
        read_only=True,
        help_text="Who cancelled: guest, host or staff; null unless cancelled (and for "
        "cancellations before refunds existed).",
    )
    refund_rule = BlankAsNullChoiceField(
        choices=RefundRule.choices,
        allow_null=True,
        read_only=True,
        help_text="The rule that set `refund_cents`; null unless cancelled.",
    )
    guest = BookingGuestSerializer(read_only=True)
    guest_rating = GuestRatingField(
        help_text="The guest's rating from hosts' published reviews of them (average 1-5 and "
        "count), for a host deciding on a request; null before any."
    )
    nights = serializers.IntegerField(read_only=True)
    quote = FrozenQuoteSerializer(
        read_only=True,
        help_text="The price as quoted when booked (GET /listings/{id}/quote/), frozen: later "
        "price changes never move it. Bookings made before quotes existed carry a quote "
        'rebuilt from their total ("reconstructed": true).',
    )
    expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When a pending request expires unless its host confirms or declines it: "
        "created_at + BOOKING_REQUEST_TTL_HOURS (default 24). Its status then becomes "
        '"expired" and its dates are free again. null for any other status.',
    )

    class Meta:
        model = Booking
        fields = read_only_fields = (
            "id listing guest guest_rating check_in check_out nights guests status total_cents"
            " currency quote cancellation_policy cancellation_reason cancelled_by cancelled_at"
            " refund_cents refund_rule expires_at created_at updated_at"
        ).split()
        extra_kwargs = {
            "refund_cents": {"help_text": "What the cancellation refunds the guest, in cents "
                             "of `currency` (docs/design.md, \"Cancellations and refunds\"); "
                             "null unless cancelled."},
        }  # fmt: skip


class BookingCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    listing = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    check_in = serializers.DateField(
        help_text="ISO date, from today + the listing's advance_notice_days to today + its "
        "booking_window_days (and at most BOOKING_MAX_ADVANCE_DAYS, default 730, ahead)."
    )
    check_out = serializers.DateField(
        help_text="ISO date (departure day): the listing's min_nights to max_nights after "
        "check_in (and at most BOOKING_MAX_NIGHTS, default 90)."
    )
    guests = serializers.IntegerField(
        min_value=1, max_value=50, default=1, help_text="At most the listing's max_guests."
    )


class BookingCancelSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RefundPreviewSerializer(serializers.Serializer):
    """What cancelling now would refund: the computation the cancel stores."""

    booking = serializers.IntegerField(source="booking.pk")
    cancelled_by = serializers.ChoiceField(
        choices=CancelledBy.choices, help_text="Who the cancel would be recorded against."
    )
    at = serializers.DateTimeField(help_text="The moment the refund is computed for (now).")
    total_cents = serializers.IntegerField(source="booking.total_cents")
    currency = serializers.CharField(source="booking.currency")
    cancellation_policy = serializers.CharField(source="booking.cancellation_policy")
    refund_cents = serializers.IntegerField(source="refund.amount_cents")
    refund_rule = serializers.ChoiceField(choices=RefundRule.choices, source="refund.rule")
    explanation = serializers.CharField(source="refund.explanation")
    check_in_at = serializers.DateTimeField(
        source="refund.check_in_at",
        help_text="Check-in: CHECK_IN_HOUR (15:00) on the check-in date in LISTING_TIME_ZONE.",
    )
    check_out_at = serializers.DateTimeField(
        source="refund.check_out_at",
        help_text="Check-out: CHECK_OUT_HOUR (11:00) on the check-out date; no cancel after.",
    )
    nights_not_spent = serializers.IntegerField(
        source="refund.nights_not_spent",
        help_text="Nights whose start (CHECK_IN_HOUR on their date) is still to come.",
    )


class CalendarBlockSerializer(serializers.ModelSerializer):
    start = serializers.DateField(source="start_date", help_text="First blocked night.")
    end = serializers.DateField(
        source="end_date", help_text="The day after the last blocked night (exclusive)."
    )

    class Meta:
        model = CalendarEntry
        fields = ["id", "start", "end", "note", "created_at"]
        read_only_fields = fields


class CalendarBlockCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    start = serializers.DateField(
        validators=[validate_query_date],
        help_text="First night to close (ISO date), today or later.",
    )
    end = serializers.DateField(
        validators=[validate_query_date],
        help_text="The day after the last night to close (exclusive, ISO date), after start, "
        "within ten years.",
    )
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="For the host only (guests never see it): why the nights are closed.",
    )


class CalendarExportSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The secret address of the listing's calendar (iCalendar): give it to other "
        "platforms; anyone holding it reads the listing's booked and blocked dates (never who "
        "booked). Rotating it retires this one."
    )
    version = serializers.IntegerField(help_text="How many times the address was rotated.")
    rotated_at = serializers.DateTimeField(
        allow_null=True, help_text="When the address was last rotated (null: never)."
    )


class CalendarFeedSerializer(serializers.ModelSerializer):
    conflicts = serializers.ListField(
        child=serializers.DictField(),
        help_text="The feed's events kept out at the last sync because they overlap a booking "
        "or another block: `uid`, `start`, `end` (exclusive) and `with` (booking or block).",
    )

    class Meta:
        model = CalendarFeed
        fields = [
            "id", "url", "name", "status", "last_synced_at", "last_error", "conflicts",
            "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class CalendarFeedCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    url = serializers.URLField(
        max_length=2000,
        help_text="The other platform's iCalendar address of this listing (http or https).",
    )
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="",
        help_text="For the host: which platform it is.",
    )  # fmt: skip
