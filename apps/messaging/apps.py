from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "apps.messaging"
    label = "messaging"
    verbose_name = _("Messaging")
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = ("messages",)
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "messages": """SELECT count(*) FROM messages m
        JOIN users s ON s.id = m.sender_id JOIN users r ON r.id = m.recipient_id""",
    }

    def ready(self):
        from apps.core.soft_delete import register_purge
        from apps.messaging import (
            notifications,  # noqa: F401 (registers its notification kind)
            personal_data,
        )
        from apps.messaging.models import Message

        register_purge(Message, name="messages")
        personal_data.register()
