from rest_framework import serializers

from apps.core.api.serializers import HttpUrlField, RejectUnknownFieldsMixin
from apps.listings.api.serializers import OwnerSerializer
from apps.messaging.models import Message
from apps.messaging.selectors import BOXES


class MessageSerializer(serializers.ModelSerializer):
    sender = OwnerSerializer()
    recipient = OwnerSerializer()
    listing = serializers.IntegerField(source="listing_id", allow_null=True)
    booking = serializers.IntegerField(source="booking_id", allow_null=True)

    class Meta:
        model = Message
        fields = [
            "id", "subject", "content", "attachments", "sender", "recipient", "listing", "booking",
            "is_read", "read_at", "is_archived", "is_spam", "created_at",
        ]  # fmt: skip
        read_only_fields = fields


class MessageCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    recipient = serializers.IntegerField(min_value=1)
    subject = serializers.CharField(max_length=200)
    content = serializers.CharField(max_length=10_000)
    attachments = serializers.ListField(
        child=HttpUrlField(max_length=500), max_length=10, required=False
    )
    listing = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    booking = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class MessageQuerySerializer(serializers.Serializer):
    box = serializers.ChoiceField(choices=BOXES, default="inbox")
    unread = serializers.BooleanField(default=False)


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
