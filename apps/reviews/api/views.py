from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response

from apps.core.api.serializers import ErrorSerializer
from apps.reviews import selectors, services
from apps.reviews.api.serializers import (
    ReviewCreateSerializer,
    ReviewQuerySerializer,
    ReviewSerializer,
    ReviewUpdateSerializer,
)
from apps.reviews.models import Review

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class ReviewViewSet(viewsets.GenericViewSet):
    queryset = Review.objects.none()
    serializer_class = ReviewSerializer
    cursor_ordering = ("-created_at", "-id")

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        summary="Visible reviews, optionally of one listing",
        parameters=[ReviewQuerySerializer],
        responses={200: ReviewSerializer(many=True), 400: ErrorSerializer},
    )
    def list(self, request):
        query = ReviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        listing = query.validated_data.get("listing")
        queryset = selectors.review_list()
        if listing is not None:
            queryset = queryset.filter(listing_id=listing)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(ReviewSerializer(page, many=True).data)

    @extend_schema(summary="A review", responses={200: ReviewSerializer, 404: ErrorSerializer})
    def retrieve(self, request, pk=None):
        return Response(ReviewSerializer(get_object_or_404(selectors.review_list(), pk=pk)).data)

    @extend_schema(
        summary="Review a stay (its guest, after check-out, once)",
        request=ReviewCreateSerializer,
        responses={201: ReviewSerializer, 409: ErrorSerializer, **ERRORS},
    )
    def create(self, request):
        data = ReviewCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        review = services.review_create(
            author=request.user,
            booking_id=values["booking"],
            rating=values["rating"],
            comment=values.get("comment"),
            photos=values.get("photos", []),
        )
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change one's review", request=ReviewUpdateSerializer,
        responses={200: ReviewSerializer, **ERRORS},
    )  # fmt: skip
    def partial_update(self, request, pk=None):
        review = get_object_or_404(selectors.review_detail_queryset(), pk=pk)
        data = ReviewUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        review = services.review_update(
            review=review, author=request.user, data=data.validated_data
        )
        return Response(ReviewSerializer(review).data)
