-- The current definition of the listings app's database code, generated from the
-- PostgreSQL catalog by `manage.py dbschema --write`: do not edit. Change an object in a
-- migration that restates it whole, then regenerate. app_user stands for
-- settings.DATABASE_APP_ROLE.

-- [function] categories_prevent_cycle() — Refuses a category parent that would make the category tree a cycle.
CREATE OR REPLACE FUNCTION public.categories_prevent_cycle()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF NEW.parent_id IS NULL THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('havre:categories_tree'));
    IF EXISTS (
        WITH RECURSIVE ancestors(id, parent_id) AS (
            SELECT id, parent_id FROM categories WHERE id = NEW.parent_id
            UNION
            SELECT c.id, c.parent_id FROM categories c JOIN ancestors a ON c.id = a.parent_id
        )
        SELECT 1 FROM ancestors WHERE id = NEW.id
    ) THEN
        RAISE EXCEPTION 'category % cannot be placed under its own descendant %',
            NEW.id, NEW.parent_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'categories_no_cycle';
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION categories_prevent_cycle() IS 'Refuses a category parent that would make the category tree a cycle.';

-- [function] listing_quote(target bigint, stay_check_in date, stay_check_out date, stay_guests integer) — The price of a stay as line items (each night, extra guests, discount, cleaning fee) and a total, as the caller may see the listing: the quote endpoint, booking_create and the bookings guard all use it (migration listings.0020).
CREATE OR REPLACE FUNCTION public.listing_quote(target bigint, stay_check_in date, stay_check_out date, stay_guests integer)
 RETURNS jsonb
 LANGUAGE sql
 STABLE
AS $function$
    WITH listing AS (
        SELECT l.id, l.price_cents, l.currency, l.cleaning_fee_cents, l.extra_guest_fee_cents,
               l.guests_included, l.weekly_discount_percent, l.monthly_discount_percent,
               l.cancellation_policy, stay_check_out - stay_check_in AS n
        FROM listings l
        WHERE l.id = target AND stay_check_out - stay_check_in BETWEEN 1 AND 366
    ),
    -- The overrides touching the stay, read once (listing_price_overrides_lookup: date
    -- comparisons are leakproof, so the index serves them under row-level security).
    overrides AS MATERIALIZED (
        SELECT po.id, po.start_date, po.end_date, po.price_cents, po.created_at
        FROM listing_price_overrides po
        WHERE po.listing_id = target
          AND po.end_date > stay_check_in AND po.start_date < stay_check_out
    ),
    nights AS (
        SELECT stay_check_in + i AS night, o.price_cents AS override_cents
        FROM listing, generate_series(0, listing.n - 1) AS i
        LEFT JOIN LATERAL (
            SELECT ov.price_cents FROM overrides ov
            WHERE ov.start_date <= stay_check_in + i AND ov.end_date > stay_check_in + i
            ORDER BY ov.created_at DESC, ov.id DESC
            LIMIT 1
        ) AS o ON true
    ),
    priced AS (
        SELECT l.*,
               (SELECT sum(coalesce(override_cents, l.price_cents)) FROM nights)::bigint
                   AS nights_cents,
               greatest(stay_guests - l.guests_included, 0) AS extra_guests,
               CASE WHEN l.n >= 28 AND l.monthly_discount_percent > 0 THEN 'monthly'
                    WHEN l.n >= 7 AND l.weekly_discount_percent > 0 THEN 'weekly' END AS rule
        FROM listing l
    ),
    amounts AS (
        SELECT p.*,
               p.extra_guests * p.extra_guest_fee_cents * p.n AS extra_guests_cents,
               CASE p.rule WHEN 'monthly' THEN p.monthly_discount_percent
                           WHEN 'weekly' THEN p.weekly_discount_percent ELSE 0 END AS percent
        FROM priced p
    ),
    discounted AS (
        SELECT a.*,
               ((a.nights_cents + a.extra_guests_cents) * a.percent + 50) / 100 AS discount_cents
        FROM amounts a
    )
    SELECT jsonb_build_object(
        'listing', d.id,
        'check_in', stay_check_in,
        'check_out', stay_check_out,
        'guests', stay_guests,
        'nights', d.n,
        'currency', d.currency,
        'cancellation_policy', d.cancellation_policy,
        'lines', (
            SELECT jsonb_agg(x.line ORDER BY x.position, x.night) FROM (
                SELECT 1 AS position, nights.night, jsonb_build_object(
                    'kind', 'night', 'date', nights.night,
                    'amount_cents', coalesce(nights.override_cents, d.price_cents),
                    'override', nights.override_cents IS NOT NULL) AS line
                FROM nights
                UNION ALL
                SELECT 2, NULL, jsonb_build_object(
                    'kind', 'extra_guests', 'guests', d.extra_guests, 'nights', d.n,
                    'unit_cents', d.extra_guest_fee_cents, 'amount_cents', d.extra_guests_cents)
                WHERE d.extra_guests_cents > 0
                UNION ALL
                SELECT 3, NULL, jsonb_build_object(
                    'kind', 'discount', 'rule', d.rule, 'percent', d.percent,
                    'amount_cents', -d.discount_cents)
                WHERE d.discount_cents > 0
                UNION ALL
                SELECT 4, NULL, jsonb_build_object(
                    'kind', 'cleaning_fee', 'amount_cents', d.cleaning_fee_cents)
                WHERE d.cleaning_fee_cents > 0
            ) AS x),
        'total_cents',
            d.nights_cents + d.extra_guests_cents - d.discount_cents + d.cleaning_fee_cents)
    FROM discounted d
$function$;
COMMENT ON FUNCTION listing_quote(target bigint, stay_check_in date, stay_check_out date, stay_guests integer) IS 'The price of a stay as line items (each night, extra guests, discount, cleaning fee) and a total, as the caller may see the listing: the quote endpoint, booking_create and the bookings guard all use it (migration listings.0020).';

-- [function] listing_relations(target bigint, lang text, photo_count integer) — A listing's amenities and tags, named in lang (en, else French), and its first photo_count photos, as one JSON value, so that a list page costs one query.
CREATE OR REPLACE FUNCTION public.listing_relations(target bigint, lang text, photo_count integer DEFAULT 20)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE PARALLEL SAFE
AS $function$
BEGIN
    -- Names in `lang` ('en'; French otherwise), ordered in that language; the first
    -- photo_count photos, cover first (a search card shows only the cover).
    RETURN jsonb_build_object(
        'amenities', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', a.id, 'name', n.name,
                                                         'icon', a.icon, 'category', a.category)
                                      ORDER BY a.category, n.name), '[]')
            FROM listing_amenities la JOIN amenities a ON a.id = la.amenity_id,
                 LATERAL (SELECT CASE WHEN lang = 'en' THEN a.name_en ELSE a.name_fr END) n(name)
            WHERE la.listing_id = target),
        'tags', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', t.id, 'name', n.name,
                                                         'slug', t.slug)
                                      ORDER BY n.name), '[]')
            FROM listing_tags lt JOIN tags t ON t.id = lt.tag_id,
                 LATERAL (SELECT CASE WHEN lang = 'en' THEN t.name_en ELSE t.name_fr END) n(name)
            WHERE lt.listing_id = target),
        'photos', (
            SELECT COALESCE(jsonb_agg(jsonb_build_object('id', p.id, 'file', p.file,
                                                         'url', p.url, 'width', p.width,
                                                         'height', p.height,
                                                         'thumbnails', p.thumbnails)
                                      ORDER BY p.position), '[]')
            FROM (SELECT * FROM listing_photos ph WHERE ph.listing_id = target
                  ORDER BY ph.position LIMIT photo_count) p));
END;
$function$;
COMMENT ON FUNCTION listing_relations(target bigint, lang text, photo_count integer) IS 'A listing''s amenities and tags, named in lang (en, else French), and its first photo_count photos, as one JSON value, so that a list page costs one query.';

-- [function] listing_search_matches(query tsquery, cap integer) — The ids of at most cap listings of the tenant matching a full-text query, read through the GIN index whatever the planner estimates; NULL for a single word that the column's most common lexemes say matches over 4 x cap rows. The search's first step.
CREATE OR REPLACE FUNCTION public.listing_search_matches(query tsquery, cap integer)
 RETURNS bigint[]
 LANGUAGE plpgsql
 STABLE
 SET enable_seqscan TO 'off'
 SET enable_indexscan TO 'off'
AS $function$
DECLARE
    estimate float8;
BEGIN
    -- A single word among the column's most common lexemes (ANALYZE's statistics), known to
    -- match over 4 x cap rows: NULL, "many", without reading its posting list whole (73,000
    -- entries for a word in 14 listings of a million). Not the planner's estimate: for a word
    -- outside that list (a rare word, a typo) it guesses 0.5% of the table, the very guess
    -- that sent a typo down the date index. Other words and combinations are counted.
    IF numnode(query) = 1 THEN
        SELECT s.most_common_elem_freqs[
                   array_position(s.most_common_elems::text::text[], btrim(query::text, ''''))
               ] * greatest(c.reltuples, 0)
        INTO estimate
        FROM pg_stats s JOIN pg_class c ON c.oid = 'listing_search'::regclass
        WHERE s.schemaname = 'public' AND s.tablename = 'listing_search'
          AND s.attname = 'search_vector';
        IF estimate > 4 * cap THEN
            RETURN NULL;
        END IF;
    END IF;
    -- tenant_id + 0: no btree index (each starts with tenant_id) can serve the tenant's
    -- rows, so the only plan left is the bitmap scan of the GIN index.
    RETURN (
        SELECT coalesce(array_agg(listing_id), '{}')
        FROM (SELECT listing_id FROM listing_search
              WHERE tenant_id + 0 = app_tenant_id() AND search_vector @@ query
              LIMIT cap) AS matches
    );
END;
$function$;
COMMENT ON FUNCTION listing_search_matches(query tsquery, cap integer) IS 'The ids of at most cap listings of the tenant matching a full-text query, read through the GIN index whatever the planner estimates; NULL for a single word that the column''s most common lexemes say matches over 4 x cap rows. The search''s first step.';

-- [function] listing_search_point(latitude double precision, longitude double precision) — A latitude and longitude (degrees) as an (x, y, z) point in metres on a sphere of the Earth's mean radius: the search's distances are chords between such points.
CREATE OR REPLACE FUNCTION public.listing_search_point(latitude double precision, longitude double precision)
 RETURNS cube
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE STRICT
RETURN cube(ARRAY[(((6371008.8)::double precision * cos(radians(latitude))) * cos(radians(longitude))), (((6371008.8)::double precision * cos(radians(latitude))) * sin(radians(longitude))), ((6371008.8)::double precision * sin(radians(latitude)))]);
COMMENT ON FUNCTION listing_search_point(latitude double precision, longitude double precision) IS 'A latitude and longitude (degrees) as an (x, y, z) point in metres on a sphere of the Earth''s mean radius: the search''s distances are chords between such points.';

-- [function] listing_search_sync() — Keeps listing_search, the published listings' search projection, in step with listings.
CREATE OR REPLACE FUNCTION public.listing_search_sync()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_search
        SELECT n.id, n.tenant_id, n.search_vector, n.longitude::float8, n.latitude::float8,
               n.city, n.price_cents, n.beds, n.baths, n.max_guests, n.category_id,
               n.created_at, COALESCE(n.rating_avg, 0), n.currency,
               n.min_nights, n.max_nights, n.advance_notice_days, n.booking_window_days,
               listing_search_point(n.latitude::float8, n.longitude::float8)
        FROM new_rows n
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM listing_search s USING old_rows o WHERE s.listing_id = o.id;
    ELSE
        -- Rows leaving the public projection.
        DELETE FROM listing_search s
        USING new_rows n JOIN old_rows o ON o.id = n.id
        WHERE s.listing_id = n.id
          AND (o.status = 'published' AND o.is_active AND o.deleted_at IS NULL)
          AND NOT (n.status = 'published' AND n.is_active AND n.deleted_at IS NULL);
        -- Rows entering it, or whose projected columns changed; the others cost a join only.
        -- (One upsert: an UPDATE ... FROM the transition tables, which have no statistics,
        -- was planned as a nested loop and took minutes on 20,000 rows.)
        INSERT INTO listing_search
        SELECT n.id, n.tenant_id, n.search_vector, n.longitude::float8, n.latitude::float8,
               n.city, n.price_cents, n.beds, n.baths, n.max_guests, n.category_id,
               n.created_at, COALESCE(n.rating_avg, 0), n.currency,
               n.min_nights, n.max_nights, n.advance_notice_days, n.booking_window_days,
               listing_search_point(n.latitude::float8, n.longitude::float8)
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.status = 'published' AND n.is_active AND n.deleted_at IS NULL
          AND (NOT (o.status = 'published' AND o.is_active AND o.deleted_at IS NULL)
               OR (n.tenant_id, n.latitude, n.longitude, n.city, n.price_cents, n.beds,
                   n.baths, n.max_guests, n.category_id, n.created_at, n.rating_avg,
                   n.currency, n.min_nights, n.max_nights, n.advance_notice_days,
                   n.booking_window_days)
                  IS DISTINCT FROM
                  (o.tenant_id, o.latitude, o.longitude, o.city, o.price_cents, o.beds,
                   o.baths, o.max_guests, o.category_id, o.created_at, o.rating_avg,
                   o.currency, o.min_nights, o.max_nights, o.advance_notice_days,
                   o.booking_window_days)
               OR n.search_vector IS DISTINCT FROM o.search_vector)
        ON CONFLICT (listing_id) DO UPDATE
            SET tenant_id = EXCLUDED.tenant_id,
                search_vector = EXCLUDED.search_vector,
                longitude = EXCLUDED.longitude,
                latitude = EXCLUDED.latitude,
                city = EXCLUDED.city,
                price_cents = EXCLUDED.price_cents,
                beds = EXCLUDED.beds,
                baths = EXCLUDED.baths,
                max_guests = EXCLUDED.max_guests,
                category_id = EXCLUDED.category_id,
                created_at = EXCLUDED.created_at,
                rating_sort = EXCLUDED.rating_sort,
                currency = EXCLUDED.currency,
                min_nights = EXCLUDED.min_nights,
                max_nights = EXCLUDED.max_nights,
                advance_notice_days = EXCLUDED.advance_notice_days,
                booking_window_days = EXCLUDED.booking_window_days,
                point = EXCLUDED.point;
    END IF;
    RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION listing_search_sync() IS 'Keeps listing_search, the published listings'' search projection, in step with listings.';

-- [function] listings_guard_rating_columns() — BEFORE INSERT/UPDATE on listings: refuses (42501) a rating_avg or review_count written by anyone but the owner role, i.e. anyone but listings_refresh_rating (SECURITY DEFINER).
CREATE OR REPLACE FUNCTION public.listings_guard_rating_columns()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF NOT app_runs_as_owner(TG_RELID) THEN
        PERFORM app_refuse_column(
            TG_RELID,
            CASE WHEN TG_OP = 'INSERT' AND NEW.rating_avg IS NULL THEN 'review_count'
                 WHEN TG_OP = 'UPDATE' AND NEW.rating_avg IS NOT DISTINCT FROM OLD.rating_avg
                 THEN 'review_count'
                 ELSE 'rating_avg' END,
            'the rating summary is written by the rating trigger only');
    END IF;
    RETURN NEW;
END;
$function$;
COMMENT ON FUNCTION listings_guard_rating_columns() IS 'BEFORE INSERT/UPDATE on listings: refuses (42501) a rating_avg or review_count written by anyone but the owner role, i.e. anyone but listings_refresh_rating (SECURITY DEFINER).';

-- [function] listings_guard_staff_writes() — BEFORE UPDATE/DELETE on listings in a staff context: refuses (42501) a change of another owner's listing unless the staff user holds change_listing or moderate_listing.
CREATE OR REPLACE FUNCTION public.listings_guard_staff_writes()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
BEGIN
    IF app_runs_as_owner(TG_RELID) OR app_is_system_actor()
       OR OLD.owner_id = app_user_id()
       OR app_has_permission('listings.change_listing')
       OR app_has_permission('listings.moderate_listing')
       OR (TG_OP = 'DELETE' AND app_has_permission('listings.delete_listing')) THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'permission denied to % listing %: staff need listings.change_listing or '
                    'listings.moderate_listing to change another owner''s listing', lower(TG_OP), OLD.id
        USING ERRCODE = 'insufficient_privilege', TABLE = 'listings',
              CONSTRAINT = 'listings_staff_writes';
END;
$function$;
COMMENT ON FUNCTION listings_guard_staff_writes() IS 'BEFORE UPDATE/DELETE on listings in a staff context: refuses (42501) a change of another owner''s listing unless the staff user holds change_listing or moderate_listing.';

-- [function] listings_record_versions() — Appends a listing_versions row when a listing is created or its title, description or price changes.
CREATE OR REPLACE FUNCTION public.listings_record_versions()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'public', 'pg_temp'
AS $function$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO listing_versions
            (listing_id, version, title, description, price_cents, created_at, created_by_id)
        SELECT n.id, 1, n.title, n.description, n.price_cents, now(), app_user_id()
        FROM new_rows AS n;
    ELSE
        INSERT INTO listing_versions
            (listing_id, version, title, description, price_cents, created_at, created_by_id)
        SELECT n.id,
               coalesce((SELECT max(v.version) FROM listing_versions AS v
                         WHERE v.listing_id = n.id), 0) + 1,
               n.title, n.description, n.price_cents, now(), app_user_id()
        FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id
        WHERE (n.title, n.description, n.price_cents)
              IS DISTINCT FROM (o.title, o.description, o.price_cents);
    END IF;
    RETURN NULL;
END;
$function$;
COMMENT ON FUNCTION listings_record_versions() IS 'Appends a listing_versions row when a listing is created or its title, description or price changes.';

-- [view] listing_search_source — What listing_search should hold: the search columns of published, active listings.
CREATE OR REPLACE VIEW listing_search_source AS
SELECT listings.id AS listing_id,
    listings.tenant_id,
    listings.search_vector,
    listings.longitude::double precision AS longitude,
    listings.latitude::double precision AS latitude,
    listings.city,
    listings.price_cents,
    listings.beds,
    listings.baths,
    listings.max_guests,
    listings.category_id,
    listings.created_at,
    COALESCE(listings.rating_avg, 0::numeric) AS rating_sort,
    listings.currency,
    listings.min_nights,
    listings.max_nights,
    listings.advance_notice_days,
    listings.booking_window_days,
    listing_search_point(listings.latitude::double precision, listings.longitude::double precision) AS point
   FROM listings
  WHERE listings.status::text = 'published'::text AND listings.is_active AND listings.deleted_at IS NULL;
COMMENT ON VIEW listing_search_source IS 'What listing_search should hold: the search columns of published, active listings.';

-- [row level security] amenities — row-level security enabled, forced on the owner too
ALTER TABLE amenities ENABLE ROW LEVEL SECURITY;
ALTER TABLE amenities FORCE ROW LEVEL SECURITY;

-- [row level security] categories — row-level security enabled, forced on the owner too
ALTER TABLE categories ENABLE ROW LEVEL SECURITY;
ALTER TABLE categories FORCE ROW LEVEL SECURITY;

-- [row level security] listing_amenities — row-level security enabled, forced on the owner too
ALTER TABLE listing_amenities ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_amenities FORCE ROW LEVEL SECURITY;

-- [row level security] listing_photos — row-level security enabled, forced on the owner too
ALTER TABLE listing_photos ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_photos FORCE ROW LEVEL SECURITY;

-- [row level security] listing_price_overrides — row-level security enabled, forced on the owner too
ALTER TABLE listing_price_overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_price_overrides FORCE ROW LEVEL SECURITY;

-- [row level security] listing_tags — row-level security enabled, forced on the owner too
ALTER TABLE listing_tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_tags FORCE ROW LEVEL SECURITY;

-- [row level security] listing_versions — row-level security enabled, forced on the owner too
ALTER TABLE listing_versions ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_versions FORCE ROW LEVEL SECURITY;

-- [row level security] listings — row-level security enabled, forced on the owner too
ALTER TABLE listings ENABLE ROW LEVEL SECURITY;
ALTER TABLE listings FORCE ROW LEVEL SECURITY;

-- [row level security] tags — row-level security enabled, forced on the owner too
ALTER TABLE tags ENABLE ROW LEVEL SECURITY;
ALTER TABLE tags FORCE ROW LEVEL SECURITY;

-- [policy] amenities_read ON amenities — Anyone reads the amenities catalogue.
CREATE POLICY amenities_read ON amenities
    FOR SELECT TO public
    USING (true);
COMMENT ON POLICY amenities_read ON amenities IS 'Anyone reads the amenities catalogue.';

-- [policy] amenities_staff_and_system ON amenities — Staff and system actors manage amenities.
CREATE POLICY amenities_staff_and_system ON amenities
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY amenities_staff_and_system ON amenities IS 'Staff and system actors manage amenities.';

-- [policy] categories_read ON categories — Anyone reads the categories.
CREATE POLICY categories_read ON categories
    FOR SELECT TO public
    USING (true);
COMMENT ON POLICY categories_read ON categories IS 'Anyone reads the categories.';

-- [policy] categories_staff_and_system ON categories — Staff and system actors manage categories.
CREATE POLICY categories_staff_and_system ON categories
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY categories_staff_and_system ON categories IS 'Staff and system actors manage categories.';

-- [policy] listing_amenities_read ON listing_amenities — A listing's amenities are visible wherever the listing is.
CREATE POLICY listing_amenities_read ON listing_amenities
    FOR SELECT TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_amenities.listing_id)));
COMMENT ON POLICY listing_amenities_read ON listing_amenities IS 'A listing''s amenities are visible wherever the listing is.';

-- [policy] listing_amenities_write ON listing_amenities — The listing's owner, staff and system actors change its amenities.
CREATE POLICY listing_amenities_write ON listing_amenities
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_amenities.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_amenities.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY listing_amenities_write ON listing_amenities IS 'The listing''s owner, staff and system actors change its amenities.';

-- [policy] listing_photos_read ON listing_photos — A listing's photos are visible wherever the listing is.
CREATE POLICY listing_photos_read ON listing_photos
    FOR SELECT TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_photos.listing_id)));
COMMENT ON POLICY listing_photos_read ON listing_photos IS 'A listing''s photos are visible wherever the listing is.';

-- [policy] listing_photos_write ON listing_photos — The listing's owner, staff and system actors add, reorder and remove its photos.
CREATE POLICY listing_photos_write ON listing_photos
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_photos.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_photos.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY listing_photos_write ON listing_photos IS 'The listing''s owner, staff and system actors add, reorder and remove its photos.';

-- [policy] listing_price_overrides_read ON listing_price_overrides — A listing's price overrides are visible wherever the listing is.
CREATE POLICY listing_price_overrides_read ON listing_price_overrides
    FOR SELECT TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_price_overrides.listing_id)));
COMMENT ON POLICY listing_price_overrides_read ON listing_price_overrides IS 'A listing''s price overrides are visible wherever the listing is.';

-- [policy] listing_price_overrides_write ON listing_price_overrides — The listing's owner, staff and system actors change its price overrides.
CREATE POLICY listing_price_overrides_write ON listing_price_overrides
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_price_overrides.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_price_overrides.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY listing_price_overrides_write ON listing_price_overrides IS 'The listing''s owner, staff and system actors change its price overrides.';

-- [policy] listing_tags_read ON listing_tags — A listing's tags are visible wherever it is.
CREATE POLICY listing_tags_read ON listing_tags
    FOR SELECT TO public
    USING ((EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_tags.listing_id)));
COMMENT ON POLICY listing_tags_read ON listing_tags IS 'A listing''s tags are visible wherever it is.';

-- [policy] listing_tags_write ON listing_tags — The listing's owner, staff and system actors change its tags.
CREATE POLICY listing_tags_write ON listing_tags
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_tags.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_tags.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY listing_tags_write ON listing_tags IS 'The listing''s owner, staff and system actors change its tags.';

-- [policy] listing_versions_append ON listing_versions — The versions trigger (as the owner) appends versions; nobody may change them.
CREATE POLICY listing_versions_append ON listing_versions
    FOR INSERT TO public
    WITH CHECK (true);
COMMENT ON POLICY listing_versions_append ON listing_versions IS 'The versions trigger (as the owner) appends versions; nobody may change them.';

-- [policy] listing_versions_privileged_delete ON listing_versions — Only staff and system actors (the purge) delete versions.
CREATE POLICY listing_versions_privileged_delete ON listing_versions
    FOR DELETE TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY listing_versions_privileged_delete ON listing_versions IS 'Only staff and system actors (the purge) delete versions.';

-- [policy] listing_versions_read ON listing_versions — The listing's owner, staff and system actors read its version history.
CREATE POLICY listing_versions_read ON listing_versions
    FOR SELECT TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged) OR (EXISTS ( SELECT 1
   FROM listings l
  WHERE l.id = listing_versions.listing_id AND l.owner_id = (( SELECT app_user_id() AS app_user_id)))));
COMMENT ON POLICY listing_versions_read ON listing_versions IS 'The listing''s owner, staff and system actors read its version history.';

-- [policy] listings_owner ON listings — An owner reads and manages their own listings in their tenant.
CREATE POLICY listings_owner ON listings
    FOR ALL TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND owner_id = (( SELECT app_user_id() AS app_user_id)))
    WITH CHECK (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND owner_id = (( SELECT app_user_id() AS app_user_id)));
COMMENT ON POLICY listings_owner ON listings IS 'An owner reads and manages their own listings in their tenant.';

-- [policy] listings_public_read ON listings — Anyone reads the published, active, not deleted listings of the request's tenant.
CREATE POLICY listings_public_read ON listings
    FOR SELECT TO public
    USING (tenant_id = (( SELECT app_tenant_id() AS app_tenant_id))
        AND status::text = 'published'::text
        AND is_active
        AND deleted_at IS NULL);
COMMENT ON POLICY listings_public_read ON listings IS 'Anyone reads the published, active, not deleted listings of the request''s tenant.';

-- [policy] listings_staff_and_system ON listings — Staff and system actors manage every listing.
CREATE POLICY listings_staff_and_system ON listings
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY listings_staff_and_system ON listings IS 'Staff and system actors manage every listing.';

-- [policy] tags_read ON tags — Anyone reads the tags.
CREATE POLICY tags_read ON tags
    FOR SELECT TO public
    USING (true);
COMMENT ON POLICY tags_read ON tags IS 'Anyone reads the tags.';

-- [policy] tags_staff_and_system ON tags — Staff and system actors manage tags.
CREATE POLICY tags_staff_and_system ON tags
    FOR ALL TO public
    USING (( SELECT app_is_privileged() AS app_is_privileged))
    WITH CHECK (( SELECT app_is_privileged() AS app_is_privileged));
COMMENT ON POLICY tags_staff_and_system ON tags IS 'Staff and system actors manage tags.';

-- [trigger] amenities_audit_delete ON amenities — Audit trail: records in audit_logs every row a DELETE removes from amenities, with who and from where.
CREATE TRIGGER amenities_audit_delete AFTER DELETE ON public.amenities
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER amenities_audit_delete ON amenities IS 'Audit trail: records in audit_logs every row a DELETE removes from amenities, with who and from where.';

-- [trigger] amenities_audit_insert ON amenities — Audit trail: records in audit_logs every row an INSERT adds to amenities, with who and from where.
CREATE TRIGGER amenities_audit_insert AFTER INSERT ON public.amenities
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER amenities_audit_insert ON amenities IS 'Audit trail: records in audit_logs every row an INSERT adds to amenities, with who and from where.';

-- [trigger] amenities_audit_update ON amenities — Audit trail: records in audit_logs every row an UPDATE changes in amenities, with who and from where.
CREATE TRIGGER amenities_audit_update AFTER UPDATE ON public.amenities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER amenities_audit_update ON amenities IS 'Audit trail: records in audit_logs every row an UPDATE changes in amenities, with who and from where.';

-- [trigger] categories_audit_delete ON categories — Audit trail: records in audit_logs every row a DELETE removes from categories, with who and from where.
CREATE TRIGGER categories_audit_delete AFTER DELETE ON public.categories
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER categories_audit_delete ON categories IS 'Audit trail: records in audit_logs every row a DELETE removes from categories, with who and from where.';

-- [trigger] categories_audit_insert ON categories — Audit trail: records in audit_logs every row an INSERT adds to categories, with who and from where.
CREATE TRIGGER categories_audit_insert AFTER INSERT ON public.categories
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER categories_audit_insert ON categories IS 'Audit trail: records in audit_logs every row an INSERT adds to categories, with who and from where.';

-- [trigger] categories_audit_update ON categories — Audit trail: records in audit_logs every row an UPDATE changes in categories, with who and from where.
CREATE TRIGGER categories_audit_update AFTER UPDATE ON public.categories
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER categories_audit_update ON categories IS 'Audit trail: records in audit_logs every row an UPDATE changes in categories, with who and from where.';

-- [trigger] categories_no_cycle ON categories — Keeps the category tree free of cycles.
CREATE TRIGGER categories_no_cycle BEFORE INSERT OR UPDATE OF parent_id ON public.categories
    FOR EACH ROW
    EXECUTE FUNCTION categories_prevent_cycle();
COMMENT ON TRIGGER categories_no_cycle ON categories IS 'Keeps the category tree free of cycles.';

-- [trigger] listing_amenities_audit_delete ON listing_amenities — Audit trail: records in audit_logs every row a DELETE removes from listing_amenities, with who and from where.
CREATE TRIGGER listing_amenities_audit_delete AFTER DELETE ON public.listing_amenities
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_amenities_audit_delete ON listing_amenities IS 'Audit trail: records in audit_logs every row a DELETE removes from listing_amenities, with who and from where.';

-- [trigger] listing_amenities_audit_insert ON listing_amenities — Audit trail: records in audit_logs every row an INSERT adds to listing_amenities, with who and from where.
CREATE TRIGGER listing_amenities_audit_insert AFTER INSERT ON public.listing_amenities
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_amenities_audit_insert ON listing_amenities IS 'Audit trail: records in audit_logs every row an INSERT adds to listing_amenities, with who and from where.';

-- [trigger] listing_amenities_audit_update ON listing_amenities — Audit trail: records in audit_logs every row an UPDATE changes in listing_amenities, with who and from where.
CREATE TRIGGER listing_amenities_audit_update AFTER UPDATE ON public.listing_amenities
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_amenities_audit_update ON listing_amenities IS 'Audit trail: records in audit_logs every row an UPDATE changes in listing_amenities, with who and from where.';

-- [trigger] listing_photos_audit_delete ON listing_photos — Audit trail: records in audit_logs every row a DELETE removes from listing_photos, with who and from where.
CREATE TRIGGER listing_photos_audit_delete AFTER DELETE ON public.listing_photos
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_photos_audit_delete ON listing_photos IS 'Audit trail: records in audit_logs every row a DELETE removes from listing_photos, with who and from where.';

-- [trigger] listing_photos_audit_insert ON listing_photos — Audit trail: records in audit_logs every row an INSERT adds to listing_photos, with who and from where.
CREATE TRIGGER listing_photos_audit_insert AFTER INSERT ON public.listing_photos
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_photos_audit_insert ON listing_photos IS 'Audit trail: records in audit_logs every row an INSERT adds to listing_photos, with who and from where.';

-- [trigger] listing_photos_audit_update ON listing_photos — Audit trail: records in audit_logs every row an UPDATE changes in listing_photos, with who and from where.
CREATE TRIGGER listing_photos_audit_update AFTER UPDATE ON public.listing_photos
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_photos_audit_update ON listing_photos IS 'Audit trail: records in audit_logs every row an UPDATE changes in listing_photos, with who and from where.';

-- [trigger] listing_price_overrides_audit_delete ON listing_price_overrides — Audit trail: records in audit_logs every row a DELETE removes from listing_price_overrides, with who and from where.
CREATE TRIGGER listing_price_overrides_audit_delete AFTER DELETE ON public.listing_price_overrides
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_price_overrides_audit_delete ON listing_price_overrides IS 'Audit trail: records in audit_logs every row a DELETE removes from listing_price_overrides, with who and from where.';

-- [trigger] listing_price_overrides_audit_insert ON listing_price_overrides — Audit trail: records in audit_logs every row an INSERT adds to listing_price_overrides, with who and from where.
CREATE TRIGGER listing_price_overrides_audit_insert AFTER INSERT ON public.listing_price_overrides
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_price_overrides_audit_insert ON listing_price_overrides IS 'Audit trail: records in audit_logs every row an INSERT adds to listing_price_overrides, with who and from where.';

-- [trigger] listing_price_overrides_audit_update ON listing_price_overrides — Audit trail: records in audit_logs every row an UPDATE changes in listing_price_overrides, with who and from where.
CREATE TRIGGER listing_price_overrides_audit_update AFTER UPDATE ON public.listing_price_overrides
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_price_overrides_audit_update ON listing_price_overrides IS 'Audit trail: records in audit_logs every row an UPDATE changes in listing_price_overrides, with who and from where.';

-- [trigger] listing_tags_audit_delete ON listing_tags — Audit trail: records in audit_logs every row a DELETE removes from listing_tags, with who and from where.
CREATE TRIGGER listing_tags_audit_delete AFTER DELETE ON public.listing_tags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_tags_audit_delete ON listing_tags IS 'Audit trail: records in audit_logs every row a DELETE removes from listing_tags, with who and from where.';

-- [trigger] listing_tags_audit_insert ON listing_tags — Audit trail: records in audit_logs every row an INSERT adds to listing_tags, with who and from where.
CREATE TRIGGER listing_tags_audit_insert AFTER INSERT ON public.listing_tags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_tags_audit_insert ON listing_tags IS 'Audit trail: records in audit_logs every row an INSERT adds to listing_tags, with who and from where.';

-- [trigger] listing_tags_audit_update ON listing_tags — Audit trail: records in audit_logs every row an UPDATE changes in listing_tags, with who and from where.
CREATE TRIGGER listing_tags_audit_update AFTER UPDATE ON public.listing_tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listing_tags_audit_update ON listing_tags IS 'Audit trail: records in audit_logs every row an UPDATE changes in listing_tags, with who and from where.';

-- [trigger] listings_audit_delete ON listings — Audit trail: records in audit_logs every row a DELETE removes from listings, with who and from where.
CREATE TRIGGER listings_audit_delete AFTER DELETE ON public.listings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listings_audit_delete ON listings IS 'Audit trail: records in audit_logs every row a DELETE removes from listings, with who and from where.';

-- [trigger] listings_audit_insert ON listings — Audit trail: records in audit_logs every row an INSERT adds to listings, with who and from where.
CREATE TRIGGER listings_audit_insert AFTER INSERT ON public.listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listings_audit_insert ON listings IS 'Audit trail: records in audit_logs every row an INSERT adds to listings, with who and from where.';

-- [trigger] listings_audit_update ON listings — Audit trail: records in audit_logs every row an UPDATE changes in listings, with who and from where.
CREATE TRIGGER listings_audit_update AFTER UPDATE ON public.listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER listings_audit_update ON listings IS 'Audit trail: records in audit_logs every row an UPDATE changes in listings, with who and from where.';

-- [trigger] listings_guard_rating_columns ON listings — A new listing has no rating summary of its own making.
CREATE TRIGGER listings_guard_rating_columns BEFORE INSERT ON public.listings
    FOR EACH ROW
    WHEN ( ((new.rating_avg IS NOT NULL) OR (new.review_count <> 0)))
    EXECUTE FUNCTION listings_guard_rating_columns();
COMMENT ON TRIGGER listings_guard_rating_columns ON listings IS 'A new listing has no rating summary of its own making.';

-- [trigger] listings_guard_rating_columns_update ON listings — Only the rating trigger changes the rating summary.
CREATE TRIGGER listings_guard_rating_columns_update BEFORE UPDATE OF rating_avg, review_count ON public.listings
    FOR EACH ROW
    WHEN ( ((old.rating_avg IS DISTINCT FROM new.rating_avg) OR (old.review_count IS DISTINCT FROM new.review_count)))
    EXECUTE FUNCTION listings_guard_rating_columns();
COMMENT ON TRIGGER listings_guard_rating_columns_update ON listings IS 'Only the rating trigger changes the rating summary.';

-- [trigger] listings_guard_staff_writes ON listings — Staff without a listing permission cannot change or delete another owner's listing.
CREATE TRIGGER listings_guard_staff_writes BEFORE DELETE OR UPDATE ON public.listings
    FOR EACH ROW
    WHEN ( (app_setting('app.is_staff'::text) = 'on'::text))
    EXECUTE FUNCTION listings_guard_staff_writes();
COMMENT ON TRIGGER listings_guard_staff_writes ON listings IS 'Staff without a listing permission cannot change or delete another owner''s listing.';

-- [trigger] listings_search_delete ON listings — Removes deleted listings from listing_search.
CREATE TRIGGER listings_search_delete AFTER DELETE ON public.listings
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION listing_search_sync();
COMMENT ON TRIGGER listings_search_delete ON listings IS 'Removes deleted listings from listing_search.';

-- [trigger] listings_search_insert ON listings — Adds new published listings to listing_search.
CREATE TRIGGER listings_search_insert AFTER INSERT ON public.listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION listing_search_sync();
COMMENT ON TRIGGER listings_search_insert ON listings IS 'Adds new published listings to listing_search.';

-- [trigger] listings_search_update ON listings — Updates listing_search when listings enter, leave or change in the public projection.
CREATE TRIGGER listings_search_update AFTER UPDATE ON public.listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION listing_search_sync();
COMMENT ON TRIGGER listings_search_update ON listings IS 'Updates listing_search when listings enter, leave or change in the public projection.';

-- [trigger] listings_versions_insert ON listings — Records version 1 of every new listing.
CREATE TRIGGER listings_versions_insert AFTER INSERT ON public.listings
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION listings_record_versions();
COMMENT ON TRIGGER listings_versions_insert ON listings IS 'Records version 1 of every new listing.';

-- [trigger] listings_versions_update ON listings — Records a new listing version when its title, description or price changes.
CREATE TRIGGER listings_versions_update AFTER UPDATE ON public.listings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION listings_record_versions();
COMMENT ON TRIGGER listings_versions_update ON listings IS 'Records a new listing version when its title, description or price changes.';

-- [trigger] tags_audit_delete ON tags — Audit trail: records in audit_logs every row a DELETE removes from tags, with who and from where.
CREATE TRIGGER tags_audit_delete AFTER DELETE ON public.tags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER tags_audit_delete ON tags IS 'Audit trail: records in audit_logs every row a DELETE removes from tags, with who and from where.';

-- [trigger] tags_audit_insert ON tags — Audit trail: records in audit_logs every row an INSERT adds to tags, with who and from where.
CREATE TRIGGER tags_audit_insert AFTER INSERT ON public.tags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER tags_audit_insert ON tags IS 'Audit trail: records in audit_logs every row an INSERT adds to tags, with who and from where.';

-- [trigger] tags_audit_update ON tags — Audit trail: records in audit_logs every row an UPDATE changes in tags, with who and from where.
CREATE TRIGGER tags_audit_update AFTER UPDATE ON public.tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT
    EXECUTE FUNCTION audit_capture('{}');
COMMENT ON TRIGGER tags_audit_update ON tags IS 'Audit trail: records in audit_logs every row an UPDATE changes in tags, with who and from where.';

-- [grant] ON FUNCTION categories_prevent_cycle() — app_user's privileges
GRANT EXECUTE ON FUNCTION categories_prevent_cycle() TO app_user;

-- [grant] ON SEQUENCE amenities_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE amenities_id_seq TO app_user;

-- [grant] ON SEQUENCE categories_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE categories_id_seq TO app_user;

-- [grant] ON SEQUENCE listing_amenities_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE listing_amenities_id_seq TO app_user;

-- [grant] ON SEQUENCE listing_photos_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE listing_photos_id_seq TO app_user;

-- [grant] ON SEQUENCE listing_price_overrides_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE listing_price_overrides_id_seq TO app_user;

-- [grant] ON SEQUENCE listing_tags_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE listing_tags_id_seq TO app_user;

-- [grant] ON SEQUENCE listing_versions_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE listing_versions_id_seq TO app_user;

-- [grant] ON SEQUENCE listings_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE listings_id_seq TO app_user;

-- [grant] ON SEQUENCE tags_id_seq — app_user's privileges
GRANT SELECT, USAGE ON SEQUENCE tags_id_seq TO app_user;

-- [grant] ON TABLE amenities — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE amenities TO app_user;

-- [grant] ON TABLE categories — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE categories TO app_user;

-- [grant] ON TABLE listing_amenities — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE listing_amenities TO app_user;

-- [grant] ON TABLE listing_photos — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE listing_photos TO app_user;

-- [grant] ON TABLE listing_price_overrides — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE listing_price_overrides TO app_user;

-- [grant] ON TABLE listing_search — app_user's privileges
GRANT SELECT ON TABLE listing_search TO app_user;

-- [grant] ON TABLE listing_tags — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE listing_tags TO app_user;

-- [grant] ON TABLE listing_versions — app_user's privileges
GRANT SELECT, DELETE ON TABLE listing_versions TO app_user;

-- [grant] ON TABLE listings — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE listings TO app_user;

-- [grant] ON TABLE tags — app_user's privileges
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE tags TO app_user;
