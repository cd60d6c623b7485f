"""System checks: say once, as a warning, when search and discovery run on words and tags alone."""

from django.conf import settings
from django.core.checks import Warning, register
from django.db import DatabaseError

from practices.semantic import model, storage


def semantic_search_status(*, check_files: bool = True) -> tuple[bool, str]:
    """(whether meaning-based search is on, a sentence saying so) for the check and /healthz.

    /healthz passes check_files=False: a probe polled every few seconds must stay
    cheap, so it reports only a model problem this process has already met.
    """
    if not getattr(settings, "SEMANTIC_SEARCH", True):
        return False, "off (SEMANTIC_SEARCH=0): search and discovery use words and tags alone"
    if not storage.vectors_available():
        return False, "off: this PostgreSQL server has no pgvector, so search and discovery use words and tags alone"
    problem = model.files_problem() if check_files else model.known_problem()
    if problem:
        return False, f"off: {problem}; search and discovery use words and tags alone"
    return True, "on: words, tags and meaning (pgvector)"


@register()
def semantic_search_check(app_configs, **kwargs):
    if not getattr(settings, "SEMANTIC_SEARCH", True):
        return []  # switched off on purpose: nothing to warn about
    try:
        on, message = semantic_search_status()
    except DatabaseError:
        return []  # an unreachable database is reported by everything else
    if on:
        return []
    return [
        Warning(
            f"Meaning-based search is {message}.",
            hint="Use a PostgreSQL server with the pgvector extension (the embedded server has it) and run "
            "`manage.py migrate` then `manage.py embed_documents`.",
            id="practices.W001",
        )
    ]
