from rest_framework import serializers

from apps.reviews.models import Review


class ReviewSerializer(serializers.ModelSerializer):
    """A review as the public sees it (the author's identity stays private)."""

    listing = serializers.IntegerField(source="listing_id", read_only=True)

    class Meta:
        model = Review
        fields = ["id", "listing", "rating", "comment", "photos", "created_at", "updated_at"]
        read_only_fields = fields
