"""``audit_code``: where an app's source keeps state between requests, found by reading it.

The source is parsed with :mod:`ast`; nothing is imported or executed, so the audit runs
on an app that is half migrated, or whose imports have side effects. The rules and their
hints are in ``rules``; this project's accepted findings in ``allowlist``.
"""

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings

from .allowlist import ALLOWED
from .rules import HINTS, Finding, audit_source

__all__ = ["HINTS", "Audit", "Finding", "audit", "project_paths"]

# Not served code: schema history, tests, and caches.
SKIPPED_DIRS = {"migrations", "tests", "__pycache__", "node_modules", ".git"}
SKIPPED_FILES = {"tests.py", "conftest.py"}


@dataclass
class Audit:
    """What ``audit`` found: findings to act on, accepted ones with their reason, and
    files it could not parse (``(path, error)``)."""

    findings: list = field(default_factory=list)
    allowed: list = field(default_factory=list)
    unreadable: list = field(default_factory=list)
    files: int = 0


def project_paths():
    """The directories of the project's own apps: INSTALLED_APPS under BASE_DIR, outside
    any installed environment, nested apps folded into their parent."""
    base = Path(settings.BASE_DIR).resolve()
    environments = {Path(p).resolve() for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}}
    found = []
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if not path.is_relative_to(base) or any(path.is_relative_to(e) for e in environments):
            continue
        if "site-packages" in path.parts:
            continue
        found.append(path)
    return [p for p in sorted(found) if not any(p != o and p.is_relative_to(o) for o in found)]


def audit(paths):
    """Audit the Python files in ``paths`` (files or directories)."""
    result = Audit()
    base = Path(settings.BASE_DIR).resolve()
    for file in _python_files(paths):
        shown = _relative(file, base)
        try:
            source = file.read_text(encoding="utf-8")
            findings = audit_source(source, shown, views_module=_is_views(file))
        except (SyntaxError, UnicodeDecodeError, ValueError) as exc:
            result.unreadable.append((shown, str(exc)))
            continue
        result.files += 1
        for finding in findings:
            reason = ALLOWED.get((finding.path, finding.rule))
            if reason is None:
                result.findings.append(finding)
            else:
                result.allowed.append((finding, reason))
    return result


def _python_files(paths):
    seen = set()
    for path in map(Path, paths):
        if path.is_file():
            candidates = [path]
        else:
            candidates = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
                candidates += [
                    Path(root, f)
                    for f in sorted(files)
                    if f.endswith(".py") and f not in SKIPPED_FILES and not f.startswith("test_")
                ]
        for file in candidates:
            resolved = file.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield resolved


def _relative(file, base):
    return file.relative_to(base).as_posix() if file.is_relative_to(base) else str(file)


def _is_views(file):
    return file.name == "views.py" or "views" in file.parent.parts[-1:]
