import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0002_category_tree_guard"),
        ("reviews", "0002_listing_rating_trigger"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="listing",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reviews",
                to="listings.listing",
            ),
        ),
        migrations.RunSQL(
            "UPDATE reviews r SET listing_id = b.listing_id FROM bookings b WHERE b.id = r.booking_id",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="review",
            name="listing",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reviews",
                to="listings.listing",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                fields=["listing", "-created_at"], name="reviews_listing_recent_idx"
            ),
        ),
    ]
