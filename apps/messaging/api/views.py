from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core.idempotency import idempotent_create
from apps.messaging import selectors, services
from apps.messaging.api.serializers import (
    MessageCreateSerializer,
    MessageSerializer,
    UnreadCountSerializer,
)
from apps.messaging.filters import MessageFilter
from apps.messaging.models import Message

# 400, 401, 403, 404 and 429 are added to every operation by HavreAutoSchema.


class MessageViewSet(viewsets.GenericViewSet):
    """Private messages between two users of a tenant: only their sender and recipient see
    them (anyone else: 404). Authenticated users only."""

    queryset = Message.objects.none()  # for the schema; selectors serve requests
    serializer_class = MessageSerializer
    filterset_class = MessageFilter  # for the schema; list() validates with it
    cursor_ordering = ("-created_at", "-id")

    def get_object(self) -> Message:
        return get_object_or_404(
            selectors.message_detail_queryset(user=self.request.user), pk=self.kwargs["pk"]
        )

    def _render(self, message_or_page, **kwargs):
        return MessageSerializer(
            message_or_page, context={"viewer": self.request.user}, **kwargs
        ).data

    @extend_schema(
        summary="The caller's messages: inbox (default), sent or archived",
        description="Newest first. The inbox holds received messages that are neither "
        "archived nor reported as spam.",
        responses={200: MessageSerializer(many=True)},
    )
    def list(self, request):
        filterset = MessageFilter(request.query_params, queryset=Message.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = selectors.message_box(user=request.user, **filterset.selector_kwargs())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self._render(page, many=True))

    @extend_schema(
        summary="A message (its sender or recipient)", responses={200: MessageSerializer}
    )
    def retrieve(self, request, pk=None):
        return Response(self._render(self.get_object()))

    @idempotent_create(
        summary="Send a message",
        description="To another active user of the caller's tenant, optionally about a "
        "listing or booking the caller can see. Send an `Idempotency-Key` header to make "
        "retries safe.",
        request=MessageCreateSerializer,
        response=MessageSerializer,
    )
    def create(self, request):
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_send(
            recipient_id=data.validated_data["recipient"],
            subject=data.validated_data["subject"],
            content=data.validated_data["content"],
            attachments=data.validated_data.get("attachments", []),
            listing_id=data.validated_data.get("listing"),
            booking_id=data.validated_data.get("booking"),
            actor=request.user,
        )
        return Response(self._render(message), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Delete a message (its sender or recipient)",
        description="A soft delete: the message disappears for both parties.",
        responses={204: None},
    )
    def destroy(self, request, pk=None):
        services.message_soft_delete(message=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark as read (recipient)",
        description="Idempotent: reading again keeps the first read_at. 403 for the sender.",
        request=None,
        responses={200: MessageSerializer},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        message = services.message_mark_read(message=self.get_object(), actor=request.user)
        return Response(self._render(message))

    @extend_schema(
        summary="Archive (recipient)",
        description="Moves the message from the inbox to the archived box. Idempotent; 403 "
        "for the sender.",
        request=None,
        responses={200: MessageSerializer},
    )
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        message = services.message_archive(message=self.get_object(), actor=request.user)
        return Response(self._render(message))

    @extend_schema(
        summary="Report as spam (recipient)",
        description="Sets is_spam and reported_at (for the staff's review); the message leaves "
        "the inbox. Idempotent; 403 for the sender.",
        request=None,
        responses={200: MessageSerializer},
    )
    @action(detail=True, methods=["post"])
    def report_spam(self, request, pk=None):
        message = services.message_report_spam(message=self.get_object(), actor=request.user)
        return Response(self._render(message))

    @extend_schema(
        summary="How many unread messages the inbox holds",
        responses={200: UnreadCountSerializer},
    )
    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        return Response({"unread": selectors.message_unread_count(user=request.user)})
