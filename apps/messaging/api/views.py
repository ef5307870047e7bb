from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api.serializers import ErrorSerializer
from apps.messaging import selectors, services
from apps.messaging.api.serializers import (
    MessageCreateSerializer,
    MessageQuerySerializer,
    MessageSerializer,
    UnreadCountSerializer,
)
from apps.messaging.models import Message

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}


class MessageViewSet(viewsets.GenericViewSet):
    queryset = Message.objects.none()
    serializer_class = MessageSerializer
    cursor_ordering = ("-created_at", "-id")

    def get_object(self):
        return get_object_or_404(selectors.message_detail_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="The caller's messages: inbox (default), sent or archived",
        parameters=[MessageQuerySerializer],
        responses={200: MessageSerializer(many=True), 400: ErrorSerializer, 401: ErrorSerializer},
    )
    def list(self, request):
        query = MessageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(
            selectors.message_box(user=request.user, **query.validated_data)
        )
        return self.get_paginated_response(MessageSerializer(page, many=True).data)

    @extend_schema(
        summary="A message (sender or recipient)", responses={200: MessageSerializer, **ERRORS}
    )
    def retrieve(self, request, pk=None):
        return Response(MessageSerializer(self.get_object()).data)

    @extend_schema(
        summary="Send a message",
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, **ERRORS},
    )
    def create(self, request):
        data = MessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        message = services.message_send(
            sender=request.user,
            recipient_id=values["recipient"],
            subject=values["subject"],
            content=values["content"],
            attachments=values.get("attachments", []),
            listing_id=values.get("listing"),
            booking_id=values.get("booking"),
        )
        message = selectors.message_detail_queryset().get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Delete a message (soft delete)", responses={204: None, **ERRORS})
    def destroy(self, request, pk=None):
        services.message_soft_delete(message=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark as read (recipient)",
        request=None,
        responses={200: MessageSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        message = services.message_mark_read(message=self.get_object(), actor=request.user)
        return Response(MessageSerializer(message).data)

    @extend_schema(summary="Archive", request=None, responses={200: MessageSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        message = services.message_archive(message=self.get_object(), actor=request.user)
        return Response(MessageSerializer(message).data)

    @extend_schema(
        summary="Report as spam (recipient)",
        request=None,
        responses={200: MessageSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def report_spam(self, request, pk=None):
        message = services.message_report_spam(message=self.get_object(), actor=request.user)
        return Response(MessageSerializer(message).data)

    @extend_schema(
        summary="Unread messages in the inbox",
        responses={200: UnreadCountSerializer, 401: ErrorSerializer},
    )
    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        return Response({"unread": selectors.unread_count(user=request.user)})
