"""What each of listings' functions, triggers, policies and views is for (COMMENT ON only)."""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

COMMENTS = {
    "FUNCTION categories_prevent_cycle()": (
        "Refuses a category parent that would make the category tree a cycle."
    ),
    "FUNCTION listing_relations(target bigint)": (
        "A listing's amenities and tags as one JSON value, so that a list page costs one query."
    ),
    "FUNCTION listing_search_sync()": (
        "Keeps listing_search, the published listings' search projection, in step with listings."
    ),
    "FUNCTION listings_record_versions()": (
        "Appends a listing_versions row when a listing is created or its title, description or "
        "price changes."
    ),
    "VIEW listing_search_source": (
        "What listing_search should hold: the search columns of published, active listings."
    ),
    "TRIGGER categories_no_cycle ON categories": "Keeps the category tree free of cycles.",
    "TRIGGER listings_search_insert ON listings": "Adds new published listings to listing_search.",
    "TRIGGER listings_search_update ON listings": (
        "Updates listing_search when listings enter, leave or change in the public projection."
    ),
    "TRIGGER listings_search_delete ON listings": "Removes deleted listings from listing_search.",
    "TRIGGER listings_versions_insert ON listings": "Records version 1 of every new listing.",
    "TRIGGER listings_versions_update ON listings": (
        "Records a new listing version when its title, description or price changes."
    ),
    "POLICY amenities_read ON amenities": "Anyone reads the amenities catalogue.",
    "POLICY amenities_staff_and_system ON amenities": "Staff and system actors manage amenities.",
    "POLICY categories_read ON categories": "Anyone reads the categories.",
    "POLICY categories_staff_and_system ON categories": (
        "Staff and system actors manage categories."
    ),
    "POLICY tags_read ON tags": "Anyone reads the tags.",
    "POLICY tags_staff_and_system ON tags": "Staff and system actors manage tags.",
    "POLICY listings_public_read ON listings": (
        "Anyone reads the published, active, not deleted listings of the request's tenant."
    ),
    "POLICY listings_owner ON listings": (
        "An owner reads and manages their own listings in their tenant."
    ),
    "POLICY listings_staff_and_system ON listings": (
        "Staff and system actors manage every listing."
    ),
    "POLICY listing_amenities_read ON listing_amenities": (
        "A listing's amenities are visible wherever the listing is."
    ),
    "POLICY listing_amenities_write ON listing_amenities": (
        "The listing's owner, staff and system actors change its amenities."
    ),
    "POLICY listing_tags_read ON listing_tags": "A listing's tags are visible wherever it is.",
    "POLICY listing_tags_write ON listing_tags": (
        "The listing's owner, staff and system actors change its tags."
    ),
    "POLICY listing_versions_read ON listing_versions": (
        "The listing's owner, staff and system actors read its version history."
    ),
    "POLICY listing_versions_append ON listing_versions": (
        "The versions trigger (as the owner) appends versions; nobody may change them."
    ),
    "POLICY listing_versions_privileged_delete ON listing_versions": (
        "Only staff and system actors (the purge) delete versions."
    ),
    **audit_trigger_comments("tags", "amenities", "categories", "listings"),
    **audit_trigger_comments("listing_amenities", "listing_tags"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("listings", "0011_privileged_columns"),
        ("core", "0008_object_comments"),
    ]

    operations = [comment_on(COMMENTS)]
