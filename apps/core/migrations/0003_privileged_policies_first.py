from django.db import migrations

# PostgreSQL ORs a table's permissive policies in descending order of their names and stops
# at the first true one. Naming the staff/system policy `<table>_staff_and_system` puts its
# cheap test (one initplan) first, so staff queries never evaluate the per-row EXISTS
# sub-plans of the other policies (a staff page of 487k reviews took 3.3 s before; see
# docs/design.md, "Performance at scale").
RENAMES = [
    ("listings", "listings_privileged", "listings_staff_and_system"),
    ("bookings", "bookings_privileged", "bookings_staff_and_system"),
    ("reviews", "reviews_privileged", "reviews_staff_and_system"),
    ("messages", "messages_privileged", "messages_staff_and_system"),
    ("users", "users_privileged", "users_staff_and_system"),
    ("profiles", "profiles_privileged", "profiles_staff_and_system"),
    ("profiles", "profiles_visible_user_read", "profiles_read_with_user"),
    ("tenants", "tenants_privileged", "tenants_staff_and_system"),
    ("categories", "categories_privileged", "categories_staff_and_system"),
    ("amenities", "amenities_privileged", "amenities_staff_and_system"),
    ("tags", "tags_privileged", "tags_staff_and_system"),
]


def sql(pairs):
    return "".join(f"ALTER POLICY {old} ON {table} RENAME TO {new};\n" for table, old, new in pairs)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_runtime_role_and_audit_functions"),
        ("accounts", "0003_row_level_security"),
        ("listings", "0003_row_level_security_audit_versions"),
        ("bookings", "0002_row_level_security"),
        ("reviews", "0004_row_level_security"),
        ("messaging", "0002_row_level_security"),
    ]

    operations = [
        migrations.RunSQL(sql(RENAMES), sql((t, new, old) for t, old, new in RENAMES)),
    ]
