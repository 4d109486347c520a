"""Backups that restore: `create_backup` writes one archive of a stack (metadata DB rows,
index points, adapter files, uploads, kept originals) with a manifest of checksums;
`restore_backup` rebuilds a stack from it, into SQLite or PostgreSQL, Edge or a Qdrant
server, whichever the settings name. The index libraries load only when used."""

from byosc.backup.create import create_backup
from byosc.backup.manifest import BackupRefused, Manifest
from byosc.backup.restore import RestoreReport, restore_backup

__all__ = ["BackupRefused", "Manifest", "RestoreReport", "create_backup", "restore_backup"]
