"""listing_relations(listing_id): a listing's amenities and tags as one jsonb, for the reads.

As correlated sub-selects, the two lists brought the row-level security policies of
listing_amenities and listing_tags (each reaching back into listings under RLS) into the plan
of every detail and search page: ~1.5 ms of the ~2 ms spent planning the listing detail, on
every request. In a PL/pgSQL function the query is planned once per connection and reused.
SECURITY INVOKER: the caller's policies still decide what it reads.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION listing_relations(target bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE PARALLEL SAFE
    AS $$
BEGIN
    RETURN jsonb_build_object(
        'amenities', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'name', a.name,
                                                         'icon', a.icon, 'category', a.category)
                                      ORDER BY a.category, a.name), '[]')
            FROM listing_amenities la JOIN amenities a ON a.id = la.amenity_id
            WHERE la.listing_id = target),
        'tags', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name,
                                                         'slug', t.slug)
                                      ORDER BY t.name), '[]')
            FROM listing_tags lt JOIN tags t ON t.id = lt.tag_id
            WHERE lt.listing_id = target));
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("listings", "0009_listing_search_columns")]

    operations = [migrations.RunSQL(CREATE, "DROP FUNCTION listing_relations(bigint);")]
