"""``manage.py audit_code [paths…] [--format text|json]``: where the code keeps state.

Reads the source of the project's apps (INSTALLED_APPS that live under BASE_DIR), or of
the files and directories given, without importing it, and prints each finding as
``path:line:column: rule message`` with a hint. Migrations and tests are skipped.
Findings this project accepts in its own code are listed, with their reason, in
shop/migration/audit/allowlist.py and are not counted.

Exit status: 0 when nothing was found, 1 when there are findings (so CI can gate on it).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from shop.migration.audit import audit, project_paths


class Command(BaseCommand):
    help = (
        "Reads the apps' Python source (no imports executed) and reports where it keeps "
        "state between requests: request.session, session login()/logout(), files "
        "written under MEDIA_ROOT or opened in views, module-level mutable state, "
        "lru_cache on request/user functions, threading.local, per-process cache aliases. "
        "Exits with status 1 when there are findings, 0 when there are none."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "paths", nargs="*", help="Files or directories (default: the project's own apps)."
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, paths, format, **options):
        result = audit(paths or project_paths())
        if format == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "findings": [f.as_dict() for f in result.findings],
                        "allowed": [
                            {**f.as_dict(), "reason": reason} for f, reason in result.allowed
                        ],
                        "unreadable": [{"path": p, "error": e} for p, e in result.unreadable],
                        "files": result.files,
                    },
                    indent=2,
                )
            )
        else:
            self._text(result)
        if result.findings:
            raise CommandError(
                f"{len(result.findings)} finding(s): state that round robin breaks or the "
                "migration removes.",
                returncode=1,
            )

    def _text(self, result):
        for finding in result.findings:
            self.stdout.write(
                f"{finding.path}:{finding.line}:{finding.column}: {finding.rule} {finding.message}"
            )
            self.stdout.write(f"    hint: {finding.hint}")
        for path, error in result.unreadable:
            self.stderr.write(f"{path}: not audited, cannot be parsed: {error}")
        allowed = f", {len(result.allowed)} allowed (see the allowlist)" if result.allowed else ""
        self.stdout.write(f"{len(result.findings)} finding(s) in {result.files} file(s){allowed}.")
