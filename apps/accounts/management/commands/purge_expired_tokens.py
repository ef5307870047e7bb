"""Delete API tokens past their expiry (daily from cron), in short batches."""

from apps.accounts.selectors import tokens_expired
from apps.accounts.services import tokens_purge_expired
from apps.core.batches import PurgeExpiredCommand


class Command(PurgeExpiredCommand):
    # An expired token already answers 401: deleting it changes nothing but the table's size.
    help = __doc__
    job = "purge_expired_tokens"

    def count_expired(self, now):
        return tokens_expired(now=now).count()

    def delete_batch(self, now, batch_size):
        return tokens_purge_expired(now=now, batch_size=batch_size)

    def describe(self, count, now):
        return f"{count} tokens expired by {now:%Y-%m-%d %H:%M} UTC"
