from django.db import migrations

# Two re-parentings that are each fine alone can close a cycle together (A under C while
# B goes under A, with C under B): each trigger used to check a snapshot without the other's
# change and both committed. Moves are now serialised by a transaction-scoped advisory lock,
# and the ancestors are read after it is granted, in a statement of its own, which under READ
# COMMITTED sees the previous mover's committed change. Category moves are rare staff edits:
# waiting for one another costs nothing.
SERIALISED = """
CREATE OR REPLACE FUNCTION categories_prevent_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
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
$$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION categories_prevent_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.parent_id IS NOT NULL AND EXISTS (
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
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("listings", "0007_listing_search_sync_changed_rows")]

    operations = [migrations.RunSQL(SERIALISED, PREVIOUS)]
