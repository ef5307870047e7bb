"""Age-based retention for `dbbackup --clean` (django-dbbackup itself keeps a number of files).

dbbackup keeps its newest file and asks `keep_backup(name)` about every other one: keep what is
younger than BACKUP_RETENTION_DAYS, and the newest verified backup whatever its age."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from apps.core.backups import manifest


def backup_time(name: str) -> dt.datetime | None:
    stem = name.split("/")[-1]
    for part in stem.split("-"):
        try:
            return dt.datetime.strptime(part.split(".")[0], settings.DBBACKUP_DATE_FORMAT).replace(
                tzinfo=dt.UTC
            )
        except ValueError:
            continue
    return None


def backups(storage) -> list[str]:
    _dirs, files = storage.listdir("")
    return sorted(
        (f for f in files if not f.endswith((manifest.SUFFIX, ".metadata"))),
        key=lambda f: backup_time(f) or dt.datetime.min.replace(tzinfo=dt.UTC),
    )


def newest_verified(storage) -> str | None:
    for name in reversed(backups(storage)):
        data = manifest.read(storage, name)
        if data and data.get("verified_at"):
            return name
    return None


def keep_backup(name: str) -> bool:
    taken = backup_time(name)
    cutoff = timezone.now() - dt.timedelta(days=settings.BACKUP_RETENTION_DAYS)
    if taken is None or taken >= cutoff:
        return True
    from dbbackup.storage import get_storage

    return name == newest_verified(get_storage().storage)
