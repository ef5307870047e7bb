"""django-dbbackup's `dbbackup`, plus a manifest beside each backup and age-based --clean.

    python manage.py dbbackup --compress --clean [--noinput]

- Connects as the maintenance role (BACKUP_DATABASE_URL, default the owner) and refuses a role
  that is neither superuser nor BYPASSRLS.
- Writes <backup>.manifest.json beside the backup (sha256, size, snapshot-exact row counts,
  migrations, versions, durations).
- --clean keeps BACKUP_RETENTION_DAYS days and the newest verified backup, and deletes the
  manifests of the backups it deletes (apps/core/backups/retention.py).
- Never runs twice at once (advisory lock "dbbackup": exit code 75).
"""

import json
import logging
import time

from dbbackup.db.exceptions import ConnectorError
from dbbackup.management.commands.dbbackup import Command as DbBackupCommand
from django.core.management.base import CommandError
from django.utils import timezone

from apps.core.backups import manifest, retention
from apps.core.locks import command_lock
from apps.core.management.base import FormattedHelp


class Command(FormattedHelp, DbBackupCommand):
    help = __doc__

    def handle(self, **options):
        self.started = time.monotonic()
        self.saved = []
        self.cleaned = []
        with command_lock("dbbackup"):
            super().handle(**options)
        for name, data in self.saved:
            self.stdout.write(
                f"dbbackup: {name} ({data['size'] / 2**20:.1f} MiB, "
                f"{sum(data['row_counts'].values())} rows in {len(data['row_counts'])} tables, "
                f"{data['duration_seconds']:.1f} s, sha256 {data['sha256'][:12]}); "
                f"{len(self.cleaned)} old backups deleted"
            )

    def _set_logger_level(self):
        # Our summary line says what dbbackup's INFO lines would (one line for cron): its
        # progress shows from --verbosity 2.
        super()._set_logger_level()
        if not self.quiet and int(self.verbosity) < 2:
            self.logger.setLevel(logging.WARNING)
            for handler in self.logger.handlers:
                handler.setLevel(logging.WARNING)

    def _save_new_backup(self, database):
        # --compress: our connector gzips while dumping (see apps/core/backups/connector.py);
        # django-dbbackup's own pass over the finished dump is skipped.
        compress, self.compress = self.compress, False
        self.connector.gzip = compress
        try:
            super()._save_new_backup(database)
        except ConnectorError as exc:
            raise CommandError(f"dbbackup: {exc}") from exc
        finally:
            self.compress = compress

    def write_to_storage(self, file, path):
        if path.endswith((manifest.METADATA_SUFFIX, manifest.SUFFIX)):
            super().write_to_storage(file, path)
            return
        self.logger.info("Writing file to %s", path)
        file.seek(0)
        # The storage may pick another name (a file of that name exists): the manifest must
        # describe the file actually stored.
        name = self.storage.storage.save(path, file)
        digest, size = manifest.sha256_of(file)
        data = self._manifest(name, digest, size)
        manifest.write(self.storage.storage, name, data)
        self.saved.append((name, data))

    def write_local_file(self, outputfile, path):
        # --output-path: a local file, its manifest beside it.
        super().write_local_file(outputfile, path)
        digest, size = manifest.sha256_of(outputfile)
        data = self._manifest(path, digest, size)
        with open(manifest.name_for(path), "w") as handle:
            handle.write(json.dumps(data, indent=2, default=str))
        self.saved.append((path, data))

    def _manifest(self, name, digest, size) -> dict:
        return {
            "file": name,
            "sha256": digest,
            "size": size,
            "compressed": name.endswith(".gz"),
            **getattr(self.connector, "manifest", {}),
            "duration_seconds": round(time.monotonic() - self.started, 3),
            "created_at": timezone.now().isoformat(),
        }

    def _cleanup_old_backups(self, database=None, servername=None):
        # dbbackup's own clean-up keeps a number of files, filtered on the Django alias (not in
        # our file names) and counting manifests as backups: ours is by age, per database.
        self.cleaned += retention.clean(self.storage.storage, self.connector.settings["NAME"])
