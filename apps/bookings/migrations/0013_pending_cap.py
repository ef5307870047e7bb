"""bookings: a guest has at most MAX_PENDING_REQUESTS_PER_GUEST (3) pending requests at once
(issue 16), enforced by PostgreSQL so that racing requests cannot exceed it.

- bookings_max_pending_requests(): the limit, a constant written here. The Django setting
  MAX_PENDING_REQUESTS_PER_GUEST must say the same (check bookings.E002, run by migrate and
  `check --database default`); changing the limit is a migration restating this function. A
  constant, not a per-transaction setting (app.*): the runtime role writes those itself, so a
  compromised or buggy caller could raise its own limit.
- bookings_limit_pending_per_guest: BEFORE INSERT, and UPDATE OF status, of a pending booking:
  takes a transaction-scoped advisory lock per guest (racing requests of one guest queue
  there; other guests' never wait), then counts the guest's other pending bookings (in a fresh
  snapshot: READ COMMITTED, a volatile function) and refuses one more than the limit
  (check_violation, constraint bookings_max_pending_per_guest). The count runs under
  row-level security, which is enough: a guest may only create their own bookings, which they
  see; staff and system actors see all. The tables' owner (migrations, restores) is not
  limited.
- a partial index on guest_id of pending bookings, behind the count.
"""

from django.db import migrations, models

SQL = """
CREATE OR REPLACE FUNCTION bookings_max_pending_requests() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT 3 $$;
COMMENT ON FUNCTION bookings_max_pending_requests() IS
    'How many pending requests a guest may have at once: MAX_PENDING_REQUESTS_PER_GUEST, which '
    'must say the same (check bookings.E002); changed by a migration restating this function.';

CREATE OR REPLACE FUNCTION bookings_limit_pending_per_guest() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.status = 'pending' THEN
        RETURN NEW;
    END IF;
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;  -- the tables' owner (migrations, restores)
    END IF;
    -- Racing requests of one guest queue here; the count below then runs in a snapshot taken
    -- after the lock (READ COMMITTED, a volatile function): it sees the winner's booking.
    PERFORM pg_advisory_xact_lock(hashtextextended('bookings:pending:' || NEW.guest_id, 0));
    -- Under row-level security: a guest counts their own bookings (the only ones they may
    -- create), staff and system actors every booking.
    IF (SELECT count(*) FROM bookings b
        WHERE b.guest_id = NEW.guest_id AND b.status = 'pending'
          AND b.id IS DISTINCT FROM NEW.id) >= bookings_max_pending_requests() THEN
        RAISE EXCEPTION 'a guest has at most % pending booking requests at once',
                        bookings_max_pending_requests()
            USING ERRCODE = 'check_violation', TABLE = 'bookings', COLUMN = 'status',
                  CONSTRAINT = 'bookings_max_pending_per_guest';
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION bookings_limit_pending_per_guest() IS
    'BEFORE INSERT/UPDATE OF status on bookings: a guest''s pending requests stay within '
    'bookings_max_pending_requests(), racing requests included (a per-guest advisory lock, '
    'then a count); refused as bookings_max_pending_per_guest (migration bookings.0013).';

CREATE TRIGGER bookings_limit_pending_per_guest
    BEFORE INSERT OR UPDATE OF status ON bookings
    FOR EACH ROW WHEN (NEW.status = 'pending')
    EXECUTE FUNCTION bookings_limit_pending_per_guest();
COMMENT ON TRIGGER bookings_limit_pending_per_guest ON bookings IS
    'A guest has at most bookings_max_pending_requests() pending requests at once.';
"""

REVERSE = """
DROP TRIGGER bookings_limit_pending_per_guest ON bookings;
DROP FUNCTION bookings_limit_pending_per_guest();
DROP FUNCTION bookings_max_pending_requests();
"""


class Migration(migrations.Migration):
    dependencies = [("bookings", "0012_request_expiry")]

    operations = [
        migrations.AddIndex(
            model_name="booking",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["guest"],
                name="bookings_pending_guest_idx",
            ),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
