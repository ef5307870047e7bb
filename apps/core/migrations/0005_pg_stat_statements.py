from django.db import migrations

# pg_stat_statements feeds `dbinfo slow-queries`. Created where the server offers it and this
# role may create it; it records queries only once preloaded (shared_preload_libraries, as in
# docker-compose.yml). Elsewhere nothing happens and `dbinfo` says how to enable it.
CREATE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements') THEN
        CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'pg_stat_statements not created: %', SQLERRM;
END;
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0004_idempotency_key")]

    operations = [migrations.RunSQL(CREATE, migrations.RunSQL.noop)]
