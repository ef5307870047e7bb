"""listings: who reads and writes price overrides, their audit trail, and listing_quote().

listing_quote(listing, check_in, check_out, guests) is the one price of a stay: the quote
endpoint and booking_create call it (apps/listings/pricing.py), and the bookings guard
(bookings.0010) recomputes it, so that a booking's frozen quote is the listing's price at
the time of booking, whoever writes the row. SECURITY INVOKER: it prices what the caller may
read (row-level security), and a listing the caller cannot see has no price (NULL).

Rules, in cents (integers throughout):
- each night costs the latest created override containing it (ties: the highest id), else
  the nightly price;
- extra guests: guests above guests_included × extra_guest_fee_cents × nights;
- a discount on the nights and the extra-guest fees (never the cleaning fee): the monthly
  one from 28 nights, else the weekly one from 7 nights (a 28-night stay of a listing without
  a monthly discount gets the weekly one), rounded half up to the cent:
  (amount × percent + 50) / 100;
- the cleaning fee, once;
- total = nights + extra guests − discount + cleaning fee = the sum of the lines' amounts.
A stay of 0 or more than 366 nights has no price (NULL): the work is bounded by the stay.
"""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

SQL = """
ALTER TABLE listing_price_overrides ENABLE ROW LEVEL SECURITY;
ALTER TABLE listing_price_overrides FORCE ROW LEVEL SECURITY;

CREATE POLICY listing_price_overrides_read ON listing_price_overrides FOR SELECT
    USING (EXISTS (SELECT 1 FROM listings l WHERE l.id = listing_price_overrides.listing_id));
CREATE POLICY listing_price_overrides_write ON listing_price_overrides
    USING ((SELECT app_is_privileged()) OR EXISTS (
        SELECT 1 FROM listings l
        WHERE l.id = listing_price_overrides.listing_id AND l.owner_id = (SELECT app_user_id())))
    WITH CHECK ((SELECT app_is_privileged()) OR EXISTS (
        SELECT 1 FROM listings l
        WHERE l.id = listing_price_overrides.listing_id AND l.owner_id = (SELECT app_user_id())));

SELECT audit_enable('listing_price_overrides');

CREATE FUNCTION listing_quote(target bigint, stay_check_in date, stay_check_out date,
                              stay_guests integer) RETURNS jsonb
    LANGUAGE sql STABLE
    AS $$
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
$$;
"""

REVERSE = """
DROP FUNCTION listing_quote(bigint, date, date, integer);
DROP TRIGGER listing_price_overrides_audit_insert ON listing_price_overrides;
DROP TRIGGER listing_price_overrides_audit_update ON listing_price_overrides;
DROP TRIGGER listing_price_overrides_audit_delete ON listing_price_overrides;
DROP POLICY listing_price_overrides_write ON listing_price_overrides;
DROP POLICY listing_price_overrides_read ON listing_price_overrides;
ALTER TABLE listing_price_overrides NO FORCE ROW LEVEL SECURITY;
ALTER TABLE listing_price_overrides DISABLE ROW LEVEL SECURITY;
"""

COMMENTS = {
    "POLICY listing_price_overrides_read ON listing_price_overrides": (
        "A listing's price overrides are visible wherever the listing is."
    ),
    "POLICY listing_price_overrides_write ON listing_price_overrides": (
        "The listing's owner, staff and system actors change its price overrides."
    ),
    "FUNCTION listing_quote(target bigint, stay_check_in date, stay_check_out date,"
    " stay_guests integer)": (
        "The price of a stay as line items (each night, extra guests, discount, cleaning fee) "
        "and a total, as the caller may see the listing: the quote endpoint, booking_create "
        "and the bookings guard all use it (migration listings.0020)."
    ),
    **audit_trigger_comments("listing_price_overrides"),
}


class Migration(migrations.Migration):
    dependencies = [("listings", "0019_pricing")]

    operations = [migrations.RunSQL(SQL, REVERSE), comment_on(COMMENTS)]
