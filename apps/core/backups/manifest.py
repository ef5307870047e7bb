"""The manifest written beside each backup: <file>.manifest.json in the same storage."""

import hashlib
import json

from django.core.files.base import ContentFile
from django.utils import timezone

SUFFIX = ".manifest.json"


def sha256_of(fileobj) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    fileobj.seek(0)
    for chunk in iter(lambda: fileobj.read(1024 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


def write(storage, backup_name: str, data: dict) -> None:
    name = backup_name + SUFFIX
    if storage.exists(name):
        storage.delete(name)
    storage.save(name, ContentFile(json.dumps(data, indent=2, default=str).encode()))


def read(storage, backup_name: str) -> dict | None:
    name = backup_name + SUFFIX
    if not storage.exists(name):
        return None
    with storage.open(name) as handle:
        return json.loads(handle.read())


def mark_verified(storage, backup_name: str) -> None:
    data = read(storage, backup_name) or {}
    data["verified_at"] = timezone.now().isoformat()
    write(storage, backup_name, data)
