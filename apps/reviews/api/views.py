from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core.api.serializers import ErrorSerializer
from apps.core.idempotency import idempotent_create
from apps.listings.api.pagination import ListingPagination
from apps.listings.selectors import listing_visible_queryset
from apps.reviews import selectors, services
from apps.reviews.api.serializers import (
    ReplyCreateSerializer,
    ReviewCreateSerializer,
    ReviewQuerySerializer,
    ReviewSerializer,
    ReviewUpdateSerializer,
)
from apps.reviews.models import Review

# 400, 401, 403, 404 and 429 are added to every operation by HavreAutoSchema.


class ListingReviewsView(generics.ListAPIView):
    """/listings/<id>/reviews/: served here, not by the listings viewset, because listings
    stand below reviews (a listing knows nothing of its reviews)."""

    permission_classes = [permissions.AllowAny]
    filter_backends = []
    pagination_class = ListingPagination  # keyset cursors, like the listing's other lists
    serializer_class = ReviewSerializer
    queryset = Review.objects.none()  # for the schema; the selector serves requests
    cursor_ordering = ("-created_at", "-id")

    @extend_schema(
        summary="Visible reviews of a listing, newest first",
        tags=["reviews"],
        description="Hidden reviews never appear here, not even to staff or their author. "
        "The author's identity is not shown: bookings (which hold the guest) are private.",
        responses={200: ReviewSerializer(many=True), 404: ErrorSerializer},
    )
    def get(self, request, pk):
        # A listing the caller may not see is a 404, as on the listing itself.
        listing = get_object_or_404(listing_visible_queryset(), pk=pk)
        page = self.paginate_queryset(selectors.review_list(listing=listing))
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)


class ReviewViewSet(viewsets.GenericViewSet):
    """Reviews: public reading of published reviews; either side of a stay writes theirs and
    edits it until it is published."""

    queryset = Review.objects.none()  # for the schema; selectors serve requests
    serializer_class = ReviewSerializer
    cursor_ordering = ("-created_at", "-id")

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_object(self) -> Review:
        return get_object_or_404(selectors.review_detail_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="A listing's reviews (public), or the caller's own",
        description="With `listing`: the listing's visible reviews, for anyone (hidden ones "
        "are never listed). Without it: the reviews the caller wrote, hidden ones included "
        "(anonymous callers must give `listing`). Newest first.",
        parameters=[ReviewQuerySerializer],
        responses={200: ReviewSerializer(many=True)},
    )
    def list(self, request):
        query = ReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        listing = query.validated_data.get("listing")
        if listing is not None:
            queryset = selectors.review_list(listing=listing)
        elif request.user.is_authenticated:
            queryset = selectors.review_list_of_author(user=request.user)
        else:
            raise ValidationError({"listing": [_("Give a listing id.")]})
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    @extend_schema(
        summary="A review (public; a hidden one: its author and staff only)",
        responses={200: ReviewSerializer},
    )
    def retrieve(self, request, pk=None):
        return Response(ReviewSerializer(self.get_object()).data)

    @idempotent_create(
        summary="Review a stay: its guest the stay, its host the guest (once each)",
        description="The booking's guest reviews the stay (`author_role` guest), its listing's "
        "host the guest (`author_role` host): 404 for a booking the caller cannot see, 403 for "
        "one they are no side of. From the check-out day of a confirmed or completed booking "
        "to REVIEW_WINDOW_DAYS (14) after it (else 400 on `booking`). Double-blind: the review "
        "is read by its author alone until the other side has written (then both get "
        "`published_at`) or the window closes. A second review by the same side answers 409 "
        "`review_exists`.",
        request=ReviewCreateSerializer,
        response=ReviewSerializer,
    )
    def create(self, request):
        data = ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_create(
            booking_id=data.validated_data["booking"],
            rating=data.validated_data["rating"],
            comment=data.validated_data.get("comment"),
            photos=data.validated_data.get("photos", []),
            actor=request.user,
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change one's review (its author, until it is published: then 409 "
        "`review_published`)",
        request=ReviewUpdateSerializer,
        responses={200: ReviewSerializer},
    )
    def partial_update(self, request, pk=None):
        review = self.get_object()
        data = ReviewUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_update(
            review=review, changes=dict(data.validated_data), actor=request.user
        )
        return Response(ReviewSerializer(review).data)

    @extend_schema(
        summary="Reply to a review (the reviewed party, once)",
        description="The reviewed party (the host for a guest's review of the stay, the guest "
        "for a host's review of them) answers a published review once: 404 while it is not "
        "published (they cannot read it yet), 403 for anyone else, 409 `reply_exists` the "
        "second time. The reply shows under the review (`reply`).",
        request=ReplyCreateSerializer,
        responses={201: ReviewSerializer, 409: ErrorSerializer},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        data = ReplyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.review_reply(
            review_id=self.kwargs["pk"], body=data.validated_data["body"], actor=request.user
        )
        return Response(ReviewSerializer(self.get_object()).data, status=status.HTTP_201_CREATED)
