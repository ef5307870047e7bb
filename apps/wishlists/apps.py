from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WishlistsConfig(AppConfig):
    name = "apps.wishlists"
    label = "wishlists"
    verbose_name = _("Wishlists")
    # Tables whose triggers write audit_logs (the audit admin's table filter lists them).
    audited_tables = ("wishlists", "wishlist_items")
    # backup_verify: each restored main table read joined to the rows it points to.
    backup_smoke_queries = {
        "wishlist_items": """SELECT count(*) FROM wishlist_items i
        JOIN wishlists w ON w.id = i.wishlist_id AND w.owner_id = i.owner_id
        JOIN listings l ON l.id = i.listing_id""",
    }

    def ready(self):
        from apps.listings.selectors import register_saved_by
        from apps.wishlists import personal_data
        from apps.wishlists.selectors import saved_by

        # Search cards say `saved` from an EXISTS inside their own query (listings sits
        # below this app: it knows nothing of wishlists but this hook).
        register_saved_by(saved_by)
        personal_data.register()
