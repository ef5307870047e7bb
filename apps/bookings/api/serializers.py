from rest_framework import serializers

from apps.bookings.models import Booking, BookingStatus
from apps.core.api.serializers import RejectUnknownFieldsMixin


class BookingListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class BookingSerializer(serializers.ModelSerializer):
    listing = BookingListingSerializer()
    nights = serializers.IntegerField(read_only=True)

    class Meta:
        model = Booking
        fields = [
            "id", "listing", "guest", "check_in", "check_out", "nights", "guests", "status",
            "total_cents", "currency", "cancellation_reason", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class BookingCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    listing = serializers.IntegerField(min_value=1)
    check_in = serializers.DateField()
    check_out = serializers.DateField()
    guests = serializers.IntegerField(min_value=1, max_value=50, default=1)


class BookingCancelSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class BookingQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["guest", "host"], default="guest")
    status = serializers.ChoiceField(choices=BookingStatus.values, required=False)
    start = serializers.DateField(required=False, help_text="Stays ending after this date")
    end = serializers.DateField(required=False, help_text="Stays starting before this date")
