from rest_framework import serializers

from apps.core.api.routers import MAX_ID
from apps.core.api.serializers import BoundedListField, HttpUrlField, RejectUnknownFieldsMixin
from apps.messaging.models import Message
from apps.messaging.services import MAX_ATTACHMENTS, MAX_CONTENT_LENGTH, MAX_SUBJECT_LENGTH


class MessagePartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # "deleted user", in the reader's language, once the account is erased.
    name = serializers.CharField(source="display_name")


class MessageSerializer(serializers.ModelSerializer):
    """A message as one of its parties sees it. The recipient's own filing (archived, reported
    as spam) is theirs: the sender gets null there."""

    sender = MessagePartySerializer(read_only=True)
    recipient = MessagePartySerializer(read_only=True)
    listing = serializers.IntegerField(source="listing_id", read_only=True, allow_null=True)
    booking = serializers.IntegerField(source="booking_id", read_only=True, allow_null=True)
    is_archived = serializers.BooleanField(read_only=True, allow_null=True)
    is_spam = serializers.BooleanField(read_only=True, allow_null=True)

    RECIPIENT_ONLY = ("is_archived", "is_spam")

    class Meta:
        model = Message
        fields = read_only_fields = (
            "id subject content attachments sender recipient listing booking is_read read_at"
            " is_archived is_spam created_at"
        ).split()

    def to_representation(self, message):
        data = super().to_representation(message)
        viewer = self.context.get("viewer")
        if viewer is None or message.recipient_id != viewer.pk:
            for field in self.RECIPIENT_ONLY:
                data[field] = None
        return data


class MessageCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    recipient = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    subject = serializers.CharField(max_length=MAX_SUBJECT_LENGTH)
    content = serializers.CharField(max_length=MAX_CONTENT_LENGTH)
    attachments = BoundedListField(
        child=HttpUrlField(max_length=500),
        max_length=MAX_ATTACHMENTS,
        required=False,
        help_text=f"At most {MAX_ATTACHMENTS} http(s) URLs.",
    )
    listing = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True,
        help_text="Optional context: a listing the sender can see.",
    )  # fmt: skip
    booking = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True,
        help_text="Optional context: one of the sender's bookings (as guest or host).",
    )  # fmt: skip


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()
