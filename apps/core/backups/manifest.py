"""The manifest written beside each backup: <backup file>.manifest.json in the same storage.

{"file", "database", "sha256", "size", "compressed", "row_counts": {table: rows},
 "excluded_tables", "migrations", "postgresql_version", "pg_dump_version",
 "dump_seconds", "duration_seconds", "created_at", "verified_at" (after backup_verify)}
"""

import hashlib
import json

from django.core.files.base import ContentFile
from django.utils import timezone

SUFFIX = ".manifest.json"
# django-dbbackup's own sidecar file (engine and connector).
METADATA_SUFFIX = ".metadata"


def name_for(backup_name: str) -> str:
    return backup_name + SUFFIX


def sha256_of(fileobj) -> tuple[str, int]:
    """sha256 and size of a file object, read from its start; left rewound."""
    digest, size = hashlib.sha256(), 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


def write(storage, backup_name: str, data: dict) -> None:
    name = name_for(backup_name)
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(json.dumps(data, indent=2, default=str).encode()))


def read(storage, backup_name: str) -> dict | None:
    """The manifest, or None when there is none."""
    name = name_for(backup_name)
    if not storage.exists(name):
        return None
    with storage.open(name, "rb") as handle:
        return json.loads(handle.read())


def mark_verified(storage, backup_name: str) -> None:
    data = read(storage, backup_name) or {}
    data["verified_at"] = timezone.now().isoformat()
    write(storage, backup_name, data)
