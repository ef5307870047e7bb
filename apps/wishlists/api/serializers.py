from rest_framework import serializers

from apps.core.api.routers import MAX_ID
from apps.core.api.serializers import RejectUnknownFieldsMixin
from apps.listings.api.serializers import ListingCardSerializer, listing_card
from apps.wishlists.models import MAX_LISTINGS_PER_WISHLIST, MAX_NAME_LENGTH, Wishlist


class WishlistSerializer(serializers.ModelSerializer):
    """One of the caller's lists."""

    listing_count = serializers.IntegerField(
        help_text="How many of its listings are public now (the cards GET "
        "/wishlists/{id}/listings/ shows); a listing taken offline counts again once it is "
        f"back. At most {MAX_LISTINGS_PER_WISHLIST} listings are saved in a list."
    )

    class Meta:
        model = Wishlist
        fields = read_only_fields = ["id", "name", "listing_count", "created_at", "updated_at"]


class WishlistWriteSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(
        max_length=MAX_NAME_LENGTH,
        help_text=f"1 to {MAX_NAME_LENGTH} characters, trimmed; unique among the caller's "
        "lists whatever the case (else 409 `wishlist_name_taken`).",
    )


class WishlistListingAddSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    listing = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A published listing's id."
    )


class WishlistListingSerializer(ListingCardSerializer):
    """A listing saved in a list: its search card, and when it was saved."""

    saved_at = serializers.DateTimeField(help_text="When it was saved in this list.")

    class Meta(ListingCardSerializer.Meta):
        # A saved listing is not a search around a point: no distance_km.
        fields = [
            *(name for name in ListingCardSerializer.Meta.fields if name != "distance_km"),
            "saved_at",
        ]
        read_only_fields = fields

    def to_representation(self, row):
        return {
            **listing_card(row),
            "saved_at": self.fields["saved_at"].to_representation(row["saved_at"]),
        }
