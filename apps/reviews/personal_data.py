"""Reviews' part of a person's data (apps.accounts.personal_data), registered in ready().
Reviews stay when their author erases their account: they describe a stay, not the person,
and the listing's rating counts them; the author shows as "deleted user"."""

from apps.accounts.personal_data import queryset_section, register_export_section
from apps.listings.models import Listing
from apps.reviews.models import Review

EXPORTED_FIELDS = (
    "id",
    "booking_id",
    "listing_id",
    "rating",
    "comment",
    "photos",
    "is_hidden",
    "hidden_reason",
    "created_at",
    "updated_at",
)


def register() -> None:
    register_export_section(
        queryset_section(
            "reviews_written",
            "The reviews you wrote of your stays.",
            lambda user: Review.objects.filter(booking__guest=user),
            EXPORTED_FIELDS,
        )
    )
    register_export_section(
        queryset_section(
            "reviews_received",
            "The reviews of your listings.",
            lambda user: Review.objects.filter(
                listing_id__in=Listing.all_objects.filter(owner=user).values("pk")
            ),
            EXPORTED_FIELDS,
        )
    )
