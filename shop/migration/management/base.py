"""The shared frame of the commands that walk the legacy sessions.

``--dry-run`` reads and reports but writes nothing (and neither reads nor moves the
checkpoint); ``--batch-size`` sessions are read per round trip; ``--limit`` stops after
about that many sessions, leaving the checkpoint, so a large store can be worked through
in off-peak windows; ``--restart`` ignores a checkpoint left by an interrupted run.
Ctrl-C stops after the current batch's summary; the next run resumes.
"""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from shop.migration.legacy import open_store
from shop.migration.progress import Checkpoint, Progress, Summary


class SessionCommand(BaseCommand):
    """Subclasses implement ``process(sessions, summary, dry_run=…)`` for one batch."""

    resumable = True
    verb = "moved"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report, change nothing.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--limit", type=int, help="Stop after about this many sessions.")
        if self.resumable:
            parser.add_argument(
                "--restart", action="store_true", help="Ignore the checkpoint of an earlier run."
            )

    def handle(self, *args, **options):
        try:
            store = open_store()
            self.prepare(store, **options)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        dry_run, limit = options["dry_run"], options["limit"]
        checkpoint = Checkpoint(f"{self.name()}:{type(store).__name__}")
        use_checkpoint = self.resumable and not dry_run
        position = checkpoint.get() if use_checkpoint and not options["restart"] else None
        if position is not None:
            self.stdout.write("Resuming after the last batch of an interrupted run.")
        summary, progress = Summary(), Progress(self.stdout, total=store.count())
        seen, finished = 0, False
        try:
            batch_size = min(options["batch_size"], limit) if limit else options["batch_size"]
            for sessions, reached in store.batches(position=position, batch_size=batch_size):
                self.process(sessions, summary, dry_run=dry_run)
                seen += len(sessions)
                progress.advance(len(sessions))
                if use_checkpoint:
                    checkpoint.save(reached)
                if limit and seen >= limit:
                    break
            else:
                finished = True
        except KeyboardInterrupt:
            progress.finish()
            summary.write(self.stdout, dry_run=dry_run, verb=self.verb)
            raise CommandError(
                "Interrupted: run the command again to resume.", returncode=130
            ) from None
        progress.finish()
        if finished and use_checkpoint:
            checkpoint.clear()
        self.report(summary, dry_run=dry_run)
        if not finished:
            self.stdout.write(f"Stopped after {seen} sessions: run again to continue.")

    def name(self):
        return self.__module__.rsplit(".", 1)[-1]

    def prepare(self, store, **options):
        """Called once before the first batch."""

    def process(self, sessions, summary, *, dry_run):
        raise NotImplementedError

    def report(self, summary, *, dry_run):
        summary.write(self.stdout, dry_run=dry_run, verb=self.verb)
