"""generate_bench_data --case-studies N: add N realistic benchmark case studies (or --clear them)."""

from django.core.management.base import BaseCommand, CommandError

from bench.generator import BenchDataError, bench_data_clear, bench_data_generate


class Command(BaseCommand):
    help = (
        "Add N published benchmark case studies (slugs start 'bench-') with tags, links and search documents. "
        "Existing content is left alone; --clear removes only benchmark rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--case-studies", type=int, default=0, help="how many case studies to add")
        parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable content")
        parser.add_argument("--clear", action="store_true", help="remove all benchmark rows first")

    def handle(self, *args, case_studies, seed, clear, **options):
        if clear:
            removed = bench_data_clear()
            self.stdout.write(f"Removed {removed} benchmark case studies.")
        if not case_studies:
            if not clear:
                raise CommandError("Say how many: --case-studies N (or --clear).")
            return
        verbose = options.get("verbosity", 1) > 1
        try:
            result = bench_data_generate(
                case_studies=case_studies, seed=seed, progress=self.stdout.write if verbose else None
            )
        except BenchDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Generated {result}."))
