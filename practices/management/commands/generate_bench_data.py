"""generate_bench_data --case-studies N: add N realistic benchmark case studies (or --clear them), then embed them."""

import sys

from django.core.management.base import BaseCommand, CommandError

from bench.generator import BenchDataError, bench_data_clear, bench_data_generate
from practices.semantic import model, storage
from practices.services.embeddings import default_jobs, embeddings_deferred, embeddings_refresh


class Command(BaseCommand):
    help = (
        "Add N published benchmark case studies (slugs start 'bench-') with tags, links and search documents, "
        "then embed them where the server has pgvector (--no-embed leaves that to `embed_documents`). "
        "Existing content is left alone; --clear removes only benchmark rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case-studies", type=int, default=0, help="how many case studies to add")
        parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable content")
        parser.add_argument("--clear", action="store_true", help="remove all benchmark rows first")
        parser.add_argument(
            "--no-embed", action="store_true", help="skip embedding (run `manage.py embed_documents` later)"
        )

    def handle(self, *args, case_studies, seed, clear, no_embed, **options):
        if clear:
            removed = bench_data_clear()
            self.stdout.write(f"Removed {removed} benchmark case studies.")
        if not case_studies:
            if not clear:
                raise CommandError("Say how many: --case-studies N (or --clear).")
            return
        verbose = options.get("verbosity", 1) > 1
        try:
            # Embedding row by row inside the generator's transaction would hold
            # it for as long as the model takes; the batches below do it after.
            with embeddings_deferred():
                result = bench_data_generate(
                    case_studies=case_studies, seed=seed, progress=self.stdout.write if verbose else None
                )
        except BenchDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Generated {result}."))
        not_embedded = "Not embedded: search and discovery use words and tags for these until it is done."
        if no_embed or not storage.vectors_available() or model.files_problem():
            self.stdout.write(not_embedded)
            return
        from practices.management.commands.embed_documents import Progress

        progress = Progress(sys.stderr) if verbose else None
        try:
            # One worker process per core, each with its own model; this process only reads and writes.
            report = embeddings_refresh(progress=progress, jobs=default_jobs())
        except model.ModelUnavailable as exc:
            self.stdout.write(f"{not_embedded} ({exc})")
            return
        if progress:
            progress.done()
        self.stdout.write(self.style.SUCCESS(f"Embedded: {report}."))
