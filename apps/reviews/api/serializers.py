from django.core.exceptions import ObjectDoesNotExist
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.api.routers import MAX_ID
from apps.core.api.serializers import BoundedListField, HttpUrlField, RejectUnknownFieldsMixin
from apps.reviews.models import Review
from apps.reviews.services import MAX_COMMENT_LENGTH, MAX_PHOTOS, MAX_REPLY_LENGTH


class ReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_field(ReplySerializer(allow_null=True))
class ReplyField(serializers.Field):
    """The reviewed party's reply, null when none (or hidden by moderation)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, review):
        try:
            reply = review.reply  # joined by the selector
        except ObjectDoesNotExist:  # none, or row-level security hid it
            return None
        if reply.is_hidden:
            return None
        return ReplySerializer(reply).data


class ReviewSerializer(serializers.ModelSerializer):
    """A review as the public sees it (the author's identity stays private; their side shows)."""

    listing = serializers.IntegerField(source="listing_id", read_only=True)
    reply = ReplyField()

    class Meta:
        model = Review
        fields = [
            "id", "listing", "author_role", "rating", "comment", "photos", "is_hidden",
            "published_at", "window_closes_on", "reply", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "is_hidden": {"help_text": "Hidden by moderation: only its author and staff see it."},
            "author_role": {
                "help_text": "`guest`: the guest reviews the stay; `host`: the host the guest."
            },
            "published_at": {
                "help_text": "When both sides had written (null: only its author reads it "
                "until the other side writes or the window closes)."
            },
            "window_closes_on": {
                "help_text": "The last day either side may review the stay; from the next day "
                "every review of it is public."
            },
        }


def _comment_field():
    return serializers.CharField(
        max_length=MAX_COMMENT_LENGTH, required=False, allow_blank=True, allow_null=True
    )


def _photos_field():
    return BoundedListField(
        child=HttpUrlField(max_length=500),
        max_length=MAX_PHOTOS,
        required=False,
        help_text=f"At most {MAX_PHOTOS} http(s) URLs.",
    )


class ReviewCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    booking = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = _comment_field()
    photos = _photos_field()


class ReviewUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    comment = _comment_field()
    photos = _photos_field()


class ReviewQuerySerializer(serializers.Serializer):
    listing = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text="The listing's visible reviews (required when anonymous); without it, the "
        "caller's own reviews.",
    )


class ReplyCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    body = serializers.CharField(max_length=MAX_REPLY_LENGTH)
