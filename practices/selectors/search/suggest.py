"""Help when a search finds little: "did you mean" from the trigram vocabulary, and tags named like the search.

A correction is offered when a search finds fewer than ``FEW_RESULTS`` results
with every word. practices.selectors.search.run applies it for the user only
when the words as typed match nothing and the correction is both a small
respelling (``close_in_spelling``) and much the same in meaning
(``close_in_meaning``).
"""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import connection

from practices.semantic import model as semantic_model

from .query import MAX_TERMS, WORD_RE, ParsedQuery

# "Did you mean" is offered when a search finds fewer than this many results.
FEW_RESULTS = 3
# A correction is applied for the user (not just offered) only when the search
# as typed matches no word and the two are at least this close in meaning.
# Typos embed poorly (measured: "bulkee colection" is 0.39 from "bulky
# collections", "tenent" 0.31 from "tenant", "Passivhaus" 0.53 from "pass"), so
# meaning alone cannot tell a typo from a different word: each corrected word
# must also be within two edits of what was typed, and meaning only rules out
# corrections into something unrelated.
CORRECTION_MIN_SIMILARITY = 0.3
CORRECTION_MAX_EDITS = 2


_SUGGEST_SQL = """
SELECT (SELECT json_agg(json_build_object('word', w.word, 'known', w.known, 'best', w.best) ORDER BY w.n)
          FROM (
            SELECT u.word, u.n,
                   EXISTS (SELECT 1 FROM practices_searchterm st WHERE st.term = u.word) AS known,
                   (SELECT st.term FROM practices_searchterm st
                     WHERE st.term %% u.word
                       AND plainto_tsquery('english_unaccent', st.term)::text <> plainto_tsquery('english_unaccent', u.word)::text
                     ORDER BY st.term <-> u.word, st.term LIMIT 1) AS best
              FROM unnest(%(words)s::text[]) WITH ORDINALITY AS u(word, n)
          ) w),
       (SELECT json_agg(json_build_object('name', t.name, 'slug', t.slug) ORDER BY t.sim DESC, t.name)
          FROM (SELECT name, slug, similarity(name, %(text)s) AS sim FROM taggit_tag
                 WHERE name %% %(text)s ORDER BY sim DESC, name LIMIT 3) t)
"""


def did_you_mean(parsed: ParsedQuery, text: str) -> tuple[str, list[dict]]:
    """A corrected search (or "") and tags whose names look like the search."""
    words = [practices_word(word) for word in parsed.words][:MAX_TERMS]
    with connection.cursor() as cursor:
        cursor.execute(_SUGGEST_SQL, {"words": words, "text": " ".join(words)})
        word_rows, tags = cursor.fetchone()
    corrections = {
        row["word"]: row["best"] for row in word_rows or [] if not row["known"] and row["best"] and len(row["word"]) > 2
    }
    if not corrections:
        return "", tags or []

    def fix(match: re.Match) -> str:
        word = match.group(0)
        return corrections.get(practices_word(word), word)

    return WORD_RE.sub(fix, text), tags or []


def practices_word(word: str) -> str:
    """A word as the vocabulary stores it: lower case, accents folded."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def close_in_meaning(original: str, suggestion: str) -> bool:
    """Whether a spelling correction keeps the meaning ("recylcing" → "recycling", not "Passivhaus" → "pass")."""
    if not getattr(settings, "SEMANTIC_SEARCH", True):
        return False
    try:
        a = semantic_model.embed_query(original)
        b = semantic_model.embed_query(suggestion)
    except semantic_model.ModelUnavailable:
        return False
    return float(a @ b) >= CORRECTION_MIN_SIMILARITY


def _edits(a: str, b: str) -> int:
    """Levenshtein distance, counting a swap of two neighbouring letters as one edit."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def close_in_spelling(original: str, suggestion: str) -> bool:
    """Whether a correction changes each word by at most CORRECTION_MAX_EDITS edits, and no word is added or lost."""
    before = WORD_RE.findall(original.lower())
    after = WORD_RE.findall(suggestion.lower())
    if len(before) != len(after):
        return False
    return all(_edits(a, b) <= CORRECTION_MAX_EDITS for a, b in zip(before, after, strict=True) if a != b)
