"""Age-based retention for `dbbackup --clean` (django-dbbackup itself keeps a number of files).

`clean()` keeps the newest DBBACKUP_CLEANUP_KEEP backups (1) and asks DBBACKUP_CLEANUP_KEEP_FILTER,
i.e. `keep_backup(name)`, about every other one: keep what is younger than
BACKUP_RETENTION_DAYS, and the newest *verified* backup whatever its age, so that a run of
failed verifications never leaves us without a known-good backup. A backup goes with its
manifest and its .metadata file; manifests left without their backup are deleted too."""

import datetime as dt

from dbbackup import settings as dbbackup_settings
from dbbackup import utils
from django.conf import settings
from django.utils import timezone

from apps.core.backups import manifest

SIDECARS = (manifest.SUFFIX, manifest.METADATA_SUFFIX)


def backup_time(name: str) -> dt.datetime | None:
    """When the backup was taken, from its name (UTC), or None for a name without a date."""
    try:
        taken = utils.filename_to_date(name.rsplit("/", 1)[-1])
    except ValueError:
        return None
    return taken.replace(tzinfo=dt.UTC) if taken else None


def is_backup(name: str) -> bool:
    return not name.endswith(SIDECARS) and backup_time(name) is not None


def backups(storage, database: str | None = None) -> list[str]:
    """The backups in the storage, oldest first; those of `database` only when given."""
    _dirs, files = storage.listdir("")
    found = [
        name
        for name in files
        if is_backup(name) and (database is None or name.startswith(f"{database}-"))
    ]
    return sorted(found, key=backup_time)


def latest(storage, database: str | None = None) -> str | None:
    found = backups(storage, database)
    return found[-1] if found else None


def database_of(name: str) -> str | None:
    """The database a backup was taken from: its name's part before the timestamp."""
    stamp = utils.filename_to_datestring(name.rsplit("/", 1)[-1])
    return name.rsplit("/", 1)[-1].split(f"-{stamp}")[0] if stamp else None


def newest_verified(storage, database: str | None = None) -> str | None:
    """The newest backup (of `database`) that backup_verify has restored successfully."""
    for name in reversed(backups(storage, database)):
        data = manifest.read(storage, name)
        if data and data.get("verified_at"):
            return name
    return None


def keep_backup(name: str) -> bool:
    """DBBACKUP_CLEANUP_KEEP_FILTER: whether to keep this backup (never asked about the newest):
    younger than BACKUP_RETENTION_DAYS, or the newest verified backup of its database."""
    taken = backup_time(name)
    cutoff = timezone.now() - dt.timedelta(days=settings.BACKUP_RETENTION_DAYS)
    if taken is None or taken >= cutoff:
        return True
    from dbbackup.storage import get_storage

    return name == newest_verified(get_storage().storage, database_of(name))


def clean(storage, database: str | None = None) -> list[str]:
    """Delete the backups the retention rule lets go, with their manifests; returns them."""
    keep_filter = dbbackup_settings.CLEANUP_KEEP_FILTER
    candidates = backups(storage, database)[::-1][dbbackup_settings.CLEANUP_KEEP :]
    deleted = [name for name in candidates if not keep_filter(name)]
    for name in deleted:
        storage.delete(name)
        for sidecar in SIDECARS:
            if storage.exists(name + sidecar):
                storage.delete(name + sidecar)
    _dirs, files = storage.listdir("")
    for name in files:
        for sidecar in SIDECARS:
            if name.endswith(sidecar) and name.removesuffix(sidecar) not in files:
                storage.delete(name)
    return deleted
