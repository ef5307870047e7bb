"""bookings: each booking keeps its quote (line items, total) and cancellation policy, frozen.

Existing bookings were priced nights × the nightly price (the guard of bookings.0004 held
guests to it): their quote is rebuilt from their total as that many nights at total / nights
(a remainder, from a booking staff or a seeder priced otherwise, goes to the first night), no
fee, no discount, marked "reconstructed": true; their policy is the listings' default,
moderate, the only one there was.
"""

import django.db.models.fields.json
import django.db.models.functions.comparison
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models

RECONSTRUCT = """
SELECT set_config('app.actor', 'system:migration', true);
UPDATE bookings b SET quote = jsonb_build_object(
    'listing', b.listing_id,
    'check_in', b.check_in,
    'check_out', b.check_out,
    'guests', b.guests,
    'nights', b.check_out - b.check_in,
    'currency', b.currency,
    'cancellation_policy', b.cancellation_policy,
    'lines', (
        SELECT jsonb_agg(jsonb_build_object(
            'kind', 'night', 'date', b.check_in + i,
            'amount_cents', b.total_cents / (b.check_out - b.check_in)
                + CASE WHEN i = 0 THEN b.total_cents % (b.check_out - b.check_in) ELSE 0 END,
            'override', false) ORDER BY i)
        FROM generate_series(0, b.check_out - b.check_in - 1) AS i),
    'total_cents', b.total_cents,
    'reconstructed', true)
WHERE b.quote IS NULL;
SELECT set_config('app.actor', '', true);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_field_labels"),
        ("bookings", "0008_field_labels"),
        ("listings", "0020_pricing_sql"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="cancellation_policy",
            field=models.CharField(
                choices=[("flexible", "Flexible"), ("moderate", "Moderate"), ("strict", "Strict")],
                db_default="moderate",
                default="moderate",
                max_length=20,
                verbose_name="cancellation policy",
            ),
        ),
        migrations.AddField(
            model_name="booking",
            name="quote",
            field=models.JSONField(null=True, verbose_name="quote"),
        ),
        migrations.RunSQL(RECONSTRUCT, migrations.RunSQL.noop),
        migrations.AlterField(
            model_name="booking",
            name="quote",
            field=models.JSONField(verbose_name="quote"),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(("cancellation_policy__in", ["flexible", "moderate", "strict"])),
                name="bookings_cancellation_policy_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    django.db.models.lookups.Exact(
                        django.db.models.functions.comparison.Cast(
                            django.db.models.fields.json.KeyTextTransform("total_cents", "quote"),
                            models.BigIntegerField(),
                        ),
                        models.F("total_cents"),
                    ),
                    django.db.models.lookups.Exact(
                        django.db.models.fields.json.KeyTextTransform("currency", "quote"),
                        models.F("currency"),
                    ),
                ),
                name="bookings_total_quoted",
            ),
        ),
    ]
