"""The back-office's staff groups, created by a data migration and re-checked by `seed`.

Moderators: view and moderate listings, reviews, messages and users; no deletes, no permission
changes. Support: view everything, change users and bookings (and cancel bookings), revoke a
user's API tokens (a lost phone).
Takes the model classes as arguments so that the migration can pass its historical models.
"""

MODERATORS = "Moderators"
SUPPORT = "Support"
STAFF_APPS = ["accounts", "listings", "bookings", "reviews", "messaging", "core"]
MODERATOR_PERMISSIONS = ["moderate_listing", "moderate_review", "moderate_message", "moderate_user"]
SUPPORT_PERMISSIONS = [
    "change_user",
    "change_profile",
    "change_booking",
    "cancel_booking",
    "revoke_apitoken",
]


def ensure_staff_groups(Group, Permission) -> None:  # noqa: N803 (model classes)
    in_staff_apps = Permission.objects.filter(content_type__app_label__in=STAFF_APPS)
    view_all = list(in_staff_apps.filter(codename__startswith="view_"))

    moderators, _ = Group.objects.get_or_create(name=MODERATORS)
    moderators.permissions.set(
        view_all + list(in_staff_apps.filter(codename__in=MODERATOR_PERMISSIONS))
    )
    support, _ = Group.objects.get_or_create(name=SUPPORT)
    support.permissions.set(view_all + list(in_staff_apps.filter(codename__in=SUPPORT_PERMISSIONS)))


def ensure_staff_groups_in_migration(apps) -> None:
    """For data migrations: permissions are normally created after all migrations
    (post_migrate); create the ones the groups need now, then (re)build the groups."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_staff_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
