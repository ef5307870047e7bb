"""django-dbbackup's `dbbackup`, plus a manifest beside each backup and age-based --clean."""

from dbbackup.management.commands.dbbackup import Command as DbBackupCommand
from django.utils import timezone

from apps.core.backups import manifest, retention


class Command(DbBackupCommand):
    def write_to_storage(self, file, path):
        super().write_to_storage(file, path)
        if path.endswith((".metadata", manifest.SUFFIX)):
            return
        digest, size = manifest.sha256_of(file)
        data = {
            "file": path,
            "sha256": digest,
            "size": size,
            "created_at": timezone.now().isoformat(),
            "compressed": path.endswith(".gz"),
            **getattr(self.connector, "manifest", {}),
        }
        manifest.write(self.storage.storage, path, data)
        self.stdout.write(
            f"dbbackup: {path} ({size / 2**20:.1f} MB, {sum(data['row_counts'].values())} rows, "
            f"sha256 {digest[:12]}…)"
        )

    def _cleanup_old_backups(self, database=None, servername=None):
        super()._cleanup_old_backups(database=database, servername=servername)
        # Manifests go with their backups.
        storage = self.storage.storage
        remaining = set(retention.backups(storage))
        _dirs, files = storage.listdir("")
        for name in files:
            if name.endswith(manifest.SUFFIX) and name[: -len(manifest.SUFFIX)] not in remaining:
                storage.delete(name)
            if name.endswith(".metadata") and name[: -len(".metadata")] not in remaining:
                storage.delete(name)
