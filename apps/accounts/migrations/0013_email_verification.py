"""users.email_verified_at: when the user proved they read mail at their address (issue 15).

Who may write it is PostgreSQL's decision, as for the other privileged columns (accounts.0006),
in a guard of its own:
- an UPDATE that sets or clears it: the verification service (system:email_verification) and
  management commands (command:*, the seed) only — never the user themself, nor staff;
- an INSERT of an already verified account: maintenance actors (commands, system purposes other
  than auth/password) and superusers; a sign-up (anonymous, in its tenant) never;
- the e-mail address changing (another address, not another case) clears it: the new
  address is not proven yet. The trigger writes that NULL itself.

Existing accounts stay unverified: nobody proved those addresses (docs/security.md).
"""

from django.db import migrations, models

SQL = """
CREATE FUNCTION users_guard_email_verified() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
DECLARE
    actor text := coalesce(app_setting('app.actor'), '');
BEGIN
    IF app_runs_as_owner(TG_RELID) THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NOT ((app_is_system_actor() AND actor NOT IN ('system:auth', 'system:password'))
                OR app_is_superuser()) THEN
            PERFORM app_refuse_column(TG_RELID, 'email_verified_at',
                                      'a new account starts unverified');
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.email_verified_at IS NOT DISTINCT FROM OLD.email_verified_at THEN
        -- Only the address changed (the trigger's WHEN): a new address is not proven yet.
        NEW.email_verified_at := NULL;
        RETURN NEW;
    END IF;
    IF NOT (actor = 'system:email_verification' OR actor LIKE 'command:%') THEN
        PERFORM app_refuse_column(TG_RELID, 'email_verified_at',
                                  'only the e-mail verification (system:email_verification) '
                                  'sets it');
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION users_guard_email_verified() IS
    'BEFORE INSERT/UPDATE on users: refuses (42501) email_verified_at to anyone but the '
    'e-mail verification (system:email_verification) and commands, and clears it when the '
    'address changes (accounts.0013, docs/security.md).';

CREATE TRIGGER users_guard_email_verified
    BEFORE INSERT ON users
    FOR EACH ROW WHEN (NEW.email_verified_at IS NOT NULL)
    EXECUTE FUNCTION users_guard_email_verified();
COMMENT ON TRIGGER users_guard_email_verified ON users IS
    'An account is created verified only by maintenance actors (seed, tests) or superusers.';

CREATE TRIGGER users_guard_email_verified_update
    BEFORE UPDATE ON users
    FOR EACH ROW WHEN (
        OLD.email_verified_at IS DISTINCT FROM NEW.email_verified_at
        OR upper(OLD.email) IS DISTINCT FROM upper(NEW.email))
    EXECUTE FUNCTION users_guard_email_verified();
COMMENT ON TRIGGER users_guard_email_verified_update ON users IS
    'Only the e-mail verification sets email_verified_at; a new address clears it.';

COMMENT ON COLUMN users.email_verified_at IS
    'When the user followed a verification link sent to email; NULL: not (yet) proven.';
"""

REVERSE = """
DROP TRIGGER users_guard_email_verified_update ON users;
DROP TRIGGER users_guard_email_verified ON users;
DROP FUNCTION users_guard_email_verified();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0012_field_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="email_verified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mail verified at"),
        ),
        migrations.RunSQL(SQL, REVERSE),
    ]
