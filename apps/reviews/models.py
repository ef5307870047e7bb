from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel, acting_user_field


class AuthorRole(models.TextChoices):
    """Who wrote a review: the guest reviews the stay (the listing), the host the guest."""

    GUEST = "guest", _("Guest")
    HOST = "host", _("Host")


class Review(TimeStampedModel):
    # Two reviews per booking at most, one per side (reviews_booking_role_key).
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("booking"),
    )
    author_role = models.CharField(
        max_length=5,
        choices=AuthorRole.choices,
        default=AuthorRole.GUEST,
        db_default=AuthorRole.GUEST,
        verbose_name=_("author role"),
    )
    # Set by the database from the booking and the role (reviews_derive_columns), whatever the
    # client sent: row-level security compares them with the acting user.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("author"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("reviewed party"),
    )
    # The last day either side may write: check-out + REVIEW_WINDOW_DAYS. From the day after,
    # every review of the booking is public (double-blind window closed).
    window_closes_on = models.DateField(
        null=True, editable=False, verbose_name=_("review window closes on")
    )
    # When the second review of the booking arrived (both reviews get it), or when a review was
    # written after its window closed: until then only its author reads it.
    published_at = models.DateTimeField(null=True, editable=False, verbose_name=_("published at"))
    # The booking's listing, kept by a trigger: lets the public read a review with its listing
    # (row-level security) without seeing the booking, and lists a listing's reviews directly.
    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.CASCADE,
        related_name="reviews",
        editable=False,
        verbose_name=_("listing"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )
    rating = models.SmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)], verbose_name=_("rating")
    )
    comment = models.TextField(null=True, blank=True, verbose_name=_("comment"))
    photos = ArrayField(
        models.URLField(max_length=500),
        default=list,
        db_default=[],
        blank=True,
        verbose_name=_("photos"),
    )

    # Moderation: a hidden review stays for the record but is not shown to the public.
    is_hidden = models.BooleanField(default=False, db_default=False, verbose_name=_("hidden"))
    hidden_reason = models.TextField(
        blank=True, default="", db_default="", verbose_name=_("hidden reason")
    )
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = acting_user_field(verbose_name=_("hidden by"))

    class Meta:
        db_table = "reviews"
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        permissions = [("moderate_review", "Can hide and unhide reviews")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="reviews_rating_1_to_5"
            ),
            models.CheckConstraint(
                condition=Q(is_hidden=False) | ~Q(hidden_reason=""),
                name="reviews_hidden_needs_reason",
            ),
            models.CheckConstraint(condition=Q(photos__len__lte=20), name="reviews_photos_max_20"),
            models.CheckConstraint(
                condition=Q(author_role__in=AuthorRole.values), name="reviews_author_role_valid"
            ),
            models.UniqueConstraint(
                fields=["booking", "author_role"], name="reviews_booking_role_key"
            ),
        ]
        indexes = [
            models.Index(fields=["listing", "-created_at"], name="reviews_listing_recent_idx"),
            models.Index(fields=["rating"], name="reviews_rating_idx"),
            models.Index(fields=["is_hidden"], name="reviews_is_hidden_idx"),
            models.Index(fields=["created_at"], name="reviews_created_at_idx"),
            # publish_reviews: the few reviews still waiting for the other side.
            models.Index(
                fields=["window_closes_on"],
                condition=Q(published_at__isnull=True),
                name="reviews_unpublished_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ by the {self.author_role} of booking {self.booking_id}"


class GuestRating(models.Model):
    """A guest's rating summary: the hosts' published, visible reviews of them, kept by the
    reviews_guest_rating trigger (never written by the application)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
        verbose_name=_("guest"),
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("tenant")
    )
    rating_avg = models.DecimalField(
        max_digits=3, decimal_places=2, null=True, verbose_name=_("average rating")
    )
    review_count = models.IntegerField(default=0, db_default=0, verbose_name=_("review count"))

    class Meta:
        db_table = "guest_ratings"
        verbose_name = _("guest rating")
        verbose_name_plural = _("guest ratings")

    def __str__(self) -> str:
        return f"{self.rating_avg} ({self.review_count}) for user {self.user_id}"


class ReviewReply(TimeStampedModel):
    """The reviewed party's one answer to a published review (a host to a guest's review of the
    stay, a guest to a host's review of them), shown under it."""

    review = models.OneToOneField(
        Review, on_delete=models.CASCADE, related_name="reply", verbose_name=_("review")
    )
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(verbose_name=_("reply"))
    # Moderation, as on reviews: a hidden reply stays for the record, off the public pages.
    is_hidden = models.BooleanField(default=False, db_default=False, verbose_name=_("hidden"))
    hidden_reason = models.TextField(
        blank=True, default="", db_default="", verbose_name=_("hidden reason")
    )
    hidden_at = models.DateTimeField(null=True, blank=True, verbose_name=_("hidden at"))
    hidden_by = acting_user_field(verbose_name=_("hidden by"))

    class Meta:
        db_table = "review_replies"
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_hidden=False) | ~Q(hidden_reason=""),
                name="review_replies_hidden_needs_reason",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), 2000),
                name="review_replies_body_max_2000",
            ),
        ]

    def __str__(self) -> str:
        return f"Reply to review {self.review_id}"
