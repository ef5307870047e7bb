from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.bookings.models import Booking
from apps.core.api.routers import MAX_ID
from apps.core.api.serializers import RejectUnknownFieldsMixin
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


class BookingSerializer(serializers.ModelSerializer):
    listing = BookingListingField()
    guest = BookingGuestSerializer(read_only=True)
    nights = serializers.IntegerField(read_only=True)
    quote = FrozenQuoteSerializer(
        read_only=True,
        help_text="The price as quoted when booked (GET /listings/{id}/quote/), frozen: later "
        "price changes never move it. Bookings made before quotes existed carry a quote "
        'rebuilt from their total ("reconstructed": true).',
    )

    class Meta:
        model = Booking
        fields = read_only_fields = (
            "id listing guest check_in check_out nights guests status total_cents currency"
            " quote cancellation_policy cancellation_reason created_at updated_at"
        ).split()


class BookingCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    listing = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    check_in = serializers.DateField(
        help_text="ISO date, today or later, at most BOOKING_MAX_ADVANCE_DAYS (default 730) "
        "days ahead."
    )
    check_out = serializers.DateField(
        help_text="ISO date (departure day), after check_in; at most BOOKING_MAX_NIGHTS "
        "(default 90) nights later."
    )
    guests = serializers.IntegerField(
        min_value=1, max_value=50, default=1, help_text="At most the listing's max_guests."
    )


class BookingCancelSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
