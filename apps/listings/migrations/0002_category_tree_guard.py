from django.db import migrations

# A category may not become its own ancestor, whatever path writes it (admin, SQL, import):
# the check constraint stops the one-step cycle, this trigger stops the longer ones.
CREATE = """
CREATE FUNCTION categories_prevent_cycle() RETURNS trigger
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

CREATE TRIGGER categories_no_cycle
BEFORE INSERT OR UPDATE OF parent_id ON categories
FOR EACH ROW EXECUTE FUNCTION categories_prevent_cycle();
"""

DROP = """
DROP TRIGGER categories_no_cycle ON categories;
DROP FUNCTION categories_prevent_cycle();
"""


class Migration(migrations.Migration):
    dependencies = [("listings", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
