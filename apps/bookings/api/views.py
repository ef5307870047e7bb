from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.bookings import selectors, services
from apps.bookings.api.serializers import (
    BookingCancelSerializer,
    BookingCreateSerializer,
    BookingQuerySerializer,
    BookingSerializer,
)
from apps.bookings.models import Booking
from apps.core.api.serializers import ErrorSerializer
from apps.core.idempotency import idempotent

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
TRANSITION_ERRORS = {**ERRORS, 409: ErrorSerializer}


class BookingViewSet(viewsets.GenericViewSet):
    queryset = Booking.objects.none()
    serializer_class = BookingSerializer
    cursor_ordering = ("-created_at", "-id")

    def get_object(self):
        return get_object_or_404(selectors.booking_detail_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="The caller's bookings (as guest, or as host with role=host)",
        parameters=[BookingQuerySerializer],
        responses={200: BookingSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def list(self, request):
        query = BookingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            selectors.booking_list(user=request.user, **query.validated_data)
        )
        return self.get_paginated_response(BookingSerializer(page, many=True).data)

    @extend_schema(
        summary="A booking (its guest, host or staff)", responses={200: BookingSerializer, **ERRORS}
    )
    def retrieve(self, request, pk=None):
        return Response(BookingSerializer(self.get_object()).data)

    @extend_schema(
        summary="Book a listing",
        description="Send an `Idempotency-Key` header to make retries safe: the same key and "
        "body replay the first result; the same key with another body answers 422.",
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER)],
        request=BookingCreateSerializer,
        responses={201: BookingSerializer, 409: ErrorSerializer, 422: ErrorSerializer, **ERRORS},
    )
    @idempotent
    def create(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        booking = services.booking_create(
            guest=request.user,
            listing_id=values["listing"],
            check_in=values["check_in"],
            check_out=values["check_out"],
            guests=values["guests"],
        )
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm (host)",
        request=None,
        responses={200: BookingSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        booking = services.booking_confirm(booking=self.get_object(), actor=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(
        summary="Decline (host)",
        request=None,
        responses={200: BookingSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        booking = services.booking_decline(booking=self.get_object(), actor=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(
        summary="Cancel (guest or host)",
        request=BookingCancelSerializer,
        responses={200: BookingSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        data = BookingCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_cancel_by_party(
            booking=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(BookingSerializer(booking).data)
