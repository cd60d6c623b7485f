"""embed_documents: (re)build the meaning-based vectors of published case studies and frameworks."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from practices.semantic import model, storage
from practices.services.embeddings import default_jobs, embeddings_refresh


class Progress:
    """A one-line progress bar on stderr (redrawn in place on a terminal, a line every 10% otherwise)."""

    WIDTH = 30

    def __init__(self, stream):
        self.stream = stream
        self.started = time.perf_counter()
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.last_tenth = -1

    def __call__(self, checked: int, embedded: int, total: int) -> None:
        total = max(total, checked, 1)
        share = checked / total
        elapsed = time.perf_counter() - self.started
        rate = checked / elapsed if elapsed else 0
        left = (total - checked) / rate if rate else 0
        filled = int(share * self.WIDTH)
        line = (
            f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {checked:,}/{total:,} checked, "
            f"{embedded:,} embedded, {rate:,.0f}/s, about {left / 60:,.1f} min left"
        )
        if self.tty:
            self.stream.write("\r" + line)
            self.stream.flush()
        elif int(share * 10) > self.last_tenth:
            self.last_tenth = int(share * 10)
            self.stream.write(line + "\n")

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


class Command(BaseCommand):
    help = (
        "Embed every published case study and framework that has no embedding or a stale one "
        "(--all: every one). Safe to rerun and to interrupt: finished batches are kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="embed everything again, changed or not")
        parser.add_argument("--batch", type=int, default=256, help="documents per transaction (default 256)")
        parser.add_argument(
            "--jobs",
            type=int,
            default=default_jobs(),
            help=f"worker processes embedding chunks side by side (default: one per core, here {default_jobs()})",
        )

    def handle(self, *args, all, batch, jobs, **options):
        if not storage.vectors_available():
            raise CommandError(
                "This database has no vector column (the server has no pgvector, or SEMANTIC_SEARCH is off): "
                "search and discovery use words and tags alone."
            )
        # The files only: with --jobs above 1 the model is loaded by the worker processes, not here.
        problem = model.files_problem()
        if problem:
            raise CommandError(problem)
        progress = Progress(sys.stderr) if options.get("verbosity", 1) > 0 else None
        try:
            report = embeddings_refresh(force=all, chunk=max(1, batch), progress=progress, jobs=max(1, jobs))
        except model.ModelUnavailable as exc:
            raise CommandError(str(exc)) from exc
        if progress:
            progress.done()
        self.stdout.write(self.style.SUCCESS(f"{report}."))
