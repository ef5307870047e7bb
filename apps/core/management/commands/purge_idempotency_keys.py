"""Delete Idempotency-Key rows past their 24 hours (hourly from cron), in short batches."""

from apps.core.batches import PurgeExpiredCommand
from apps.core.idempotency import TTL, idempotency_keys_expired, idempotency_keys_purge_expired


class Command(PurgeExpiredCommand):
    # An expired key is already dead (a request reusing it runs as new): deleting it loses
    # nothing; cron runs this every hour.
    help = __doc__
    job = "purge_idempotency_keys"

    def count_expired(self, now):
        return idempotency_keys_expired(now=now).count()

    def delete_batch(self, now, batch_size):
        return idempotency_keys_purge_expired(now=now, batch_size=batch_size)

    def describe(self, count, now):
        return f"{count} keys created before {now - TTL:%Y-%m-%d %H:%M} UTC"
