from rest_framework import serializers

from apps.core.api.serializers import HttpUrlField, RejectUnknownFieldsMixin
from apps.reviews.models import Review


class ReviewSerializer(serializers.ModelSerializer):
    """A review as the public sees it (the author's identity stays private)."""

    listing = serializers.IntegerField(source="listing_id", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "listing", "rating", "comment", "photos", "created_at", "updated_at"]
        read_only_fields = fields


class ReviewCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    booking = serializers.IntegerField(min_value=1)
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, allow_null=True
    )
    photos = serializers.ListField(
        child=HttpUrlField(max_length=500), max_length=20, required=False
    )


class ReviewUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False)
    comment = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, allow_null=True
    )
    photos = serializers.ListField(
        child=HttpUrlField(max_length=500), max_length=20, required=False
    )


class ReviewQuerySerializer(serializers.Serializer):
    listing = serializers.IntegerField(min_value=1, required=False)
