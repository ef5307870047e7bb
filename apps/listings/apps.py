from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ListingsConfig(AppConfig):
    name = "apps.listings"
    label = "listings"
    verbose_name = _("Listings")
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = (
        "listings",
        "listing_amenities",
        "listing_tags",
        "listing_price_overrides",
        "listing_photos",
        "categories",
        "amenities",
        "tags",
    )
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "listings": """SELECT count(*) FROM listings l
        JOIN users o ON o.id = l.owner_id JOIN tenants t ON t.id = l.tenant_id""",
    }

    def ready(self):
        from apps.core.soft_delete import register_purge
        from apps.listings import personal_data
        from apps.listings.models import Listing

        register_purge(Listing, name="listings")
        personal_data.register()
