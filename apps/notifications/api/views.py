from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.notifications import kinds as notification_kinds
from apps.notifications import selectors, services
from apps.notifications.api.serializers import (
    NotificationKindSerializer,
    NotificationSerializer,
    UnreadNotificationCountSerializer,
)
from apps.notifications.filters import NotificationFilter
from apps.notifications.models import Notification

# 400, 401, 403, 404 and 429 are added to every operation by HavreAutoSchema.


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's notification inbox: what happened to their bookings and messages. Only
    its recipient sees a notification (anyone else: 404). Authenticated users only."""

    queryset = Notification.objects.none()  # for the schema; selectors serve requests
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter  # for the schema; list() validates with it
    cursor_ordering = ("-created_at", "-id")

    @extend_schema(
        summary="The caller's notifications",
        description="Newest first; in-app kinds only (e-mail-only kinds such as a password "
        "reset are not listed). `unread=true`: only those not yet marked read.",
        responses={200: NotificationSerializer(many=True)},
    )
    def list(self, request):
        filterset = NotificationFilter(request.query_params, queryset=Notification.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = selectors.notification_inbox(user=request.user, **filterset.selector_kwargs())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)

    @extend_schema(
        summary="Mark a notification read",
        description="Idempotent: marking again keeps the first read_at. Another user's "
        "notification: 404.",
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        services.notification_mark_read(notification_id=pk, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Mark every notification read",
        description="Sets read_at on every unread notification of the caller's inbox.",
        request=None,
        responses={204: None},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        services.notifications_mark_all_read(actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="How many unread notifications the inbox holds",
        responses={200: UnreadNotificationCountSerializer},
    )
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request):
        return Response({"count": selectors.notification_unread_count(user=request.user)})

    @extend_schema(
        summary="The kinds of notification",
        description="Every kind Havre sends, by name, with its label in the request's "
        "language and whether its e-mails can be turned off in preferences.notifications "
        '(PATCH /api/v1/users/me/ {"preferences": {"notifications": {"<name>": {"email": '
        "false}}}}). Security kinds are always e-mailed.",
        responses={200: NotificationKindSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def kinds(self, request):
        return Response(
            NotificationKindSerializer(
                [
                    {
                        "name": kind.name,
                        "label": str(kind.label),
                        "in_app": kind.in_app,
                        "security": kind.security,
                        "email_can_be_turned_off": kind.can_turn_off_email,
                    }
                    for kind in notification_kinds.all_kinds()
                ],
                many=True,
            ).data
        )
