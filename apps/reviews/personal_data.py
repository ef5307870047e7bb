"""Reviews' part of a person's data (apps.accounts.personal_data), registered in ready().
Reviews stay when their author erases their account: they describe a stay, not the person,
and the listing's rating counts them; the author shows as "deleted user"."""

from django.db.models import Q

from apps.accounts.personal_data import queryset_section, register_export_section
from apps.core import dates
from apps.reviews.models import Review

EXPORTED_FIELDS = (
    "id",
    "booking_id",
    "listing_id",
    "author_role",
    "rating",
    "comment",
    "photos",
    "is_hidden",
    "hidden_reason",
    "published_at",
    "created_at",
    "updated_at",
)


def register() -> None:
    register_export_section(
        queryset_section(
            "reviews_written",
            "The reviews you wrote of your stays and of your guests.",
            lambda user: Review.objects.filter(author=user),
            EXPORTED_FIELDS,
        )
    )
    register_export_section(
        queryset_section(
            "reviews_received",
            "The reviews of your stays at your listings and of you as a guest, once published.",
            # Double-blind: not before the reviewed party may read them in the app.
            lambda user: Review.objects.filter(
                Q(published_at__isnull=False) | Q(window_closes_on__lt=dates.today()),
                subject=user,
            ),
            EXPORTED_FIELDS,
        )
    )
