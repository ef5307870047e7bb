from rest_framework import serializers

from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    """A notification in its recipient's inbox: what happened (`kind`, a registered kind;
    `data`, the event's plain values, the same the e-mail shows), when, and when it was read
    (null: unread)."""

    data = serializers.JSONField(
        read_only=True, help_text="The event's values: ids, titles, dates, names (per kind)."
    )

    class Meta:
        model = Notification
        fields = read_only_fields = ("id", "kind", "data", "created_at", "read_at")


class UnreadNotificationCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Unread notifications in the caller's inbox.")


class NotificationKindSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The kind, as notifications and preferences name it.")
    label = serializers.CharField(help_text="What it is, in the request's language.")
    in_app = serializers.BooleanField(help_text="Listed by the inbox (else e-mail only).")
    security = serializers.BooleanField(
        help_text="A security e-mail: sent whatever the preferences say."
    )
    email_can_be_turned_off = serializers.BooleanField(
        help_text='preferences.notifications.<name> = {"email": false} stops its e-mails.'
    )
