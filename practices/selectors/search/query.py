"""The query language: what a user types, parsed into terms, and the tsquery SQL each kind of search runs.

The syntax is the web's: words are all required, ``"a phrase"`` must appear as
written, ``-word`` leaves out, ``or`` offers alternatives. Words are stemmed in
English and accents folded (the ``english_unaccent`` configuration), and a
short list of council synonyms (``SYNONYMS``) widens single words
(docs/search.md). The SQL built here is a tsquery expression with ``%s``
placeholders and its parameters; practices.selectors.search.sql puts it into
the search statement.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass, field
from typing import Any

CONFIG = "english_unaccent"
MAX_TERMS = 32

# Council words that mean the same thing, applied to single words at query
# time (never to quoted phrases or to excluded words). Kept short and curated:
# each entry is a word officers type and the words write-ups use instead.
SYNONYMS: dict[str, tuple[str, ...]] = {
    # The English stemmer leaves "buses" as "buse", apart from "bus".
    "bus": ("buses",),
    "buses": ("bus",),
    "bin": ("refuse", "waste", "rubbish"),
    "bins": ("refuse", "waste", "rubbish"),
    "rubbish": ("refuse", "waste"),
    "lorry": ("vehicle", "truck", "fleet"),
    "lorries": ("vehicles", "trucks", "fleet"),
    "truck": ("vehicle", "lorry"),
    "trucks": ("vehicles", "lorries"),
    "van": ("vehicle",),
    "vans": ("vehicles",),
    "tracker": ("tracking", "gps"),
    "trackers": ("tracking", "gps"),
    "satnav": ("gps",),
    "scanning": ("imaging", "scanned"),
    "scan": ("imaging", "scanned"),
    "scanned": ("imaging",),
    "forms": ("documents", "post", "paper"),
    "paperwork": ("documents", "paper"),
    "mash": ("multi-agency safeguarding hub",),
    "asb": ("anti-social behaviour",),
    "crm": ("customer relationship management",),
    "edrms": ("electronic document and records management", "document imaging"),
    "hmo": ("houses in multiple occupation", "multiple occupation"),
    "hmos": ("houses in multiple occupation", "multiple occupation"),
    "ehcp": ("education health and care plan",),
    "rtpi": ("real-time passenger information", "real-time information"),
    "elderly": ("older people",),
    "pensioners": ("older people",),
    "kids": ("children",),
    "app": ("smartphone", "mobile"),
    "appointment": ("booking",),
    "appointments": ("bookings",),
    "booking": ("appointment",),
    "bookings": ("appointments",),
    "phone": ("telephone", "call"),
    "calls": ("contacts", "phone"),
    "pothole": ("highway fault", "road defect"),
    "potholes": ("highway faults", "road defects"),
    "gritter": ("gritting", "winter maintenance"),
    "gritters": ("gritting", "winter maintenance"),
    "chatbot": ("web chat",),
    "sms": ("text message",),
    "texts": ("text messages",),
    "tablet": ("mobile working",),
    "tablets": ("mobile working",),
}

OR = object()  # the "or" between two alternatives
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    """A search as typed, split into groups of alternatives (each group is required)."""

    groups: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def positive_terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    @property
    def positive_text(self) -> str:
        """The positive terms as typed, space-separated: what meaning and word statistics are read from."""
        return " ".join(term.text for term in self.positive_terms)

    @property
    def words(self) -> list[str]:
        """Lower-case words of the positive terms, in order, for "did you mean"."""
        return [word.lower() for term in self.positive_terms for word in WORD_RE.findall(term.text)]

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse_query(text: str) -> ParsedQuery:
    """Split a web-style search into terms; never fails, but says what it ignored."""
    parsed = ParsedQuery()
    if text.count('"') % 2:
        parsed.notices.append("The quotation marks in your search were not in pairs, so the last one was ignored.")
        last = text.rfind('"')
        text = text[:last] + " " + text[last + 1 :]
    tokens: list[Term | object] = []
    for match in re.finditer(r'(-?)"([^"]*)"|(\S+)', text):
        if match.group(3) is not None:
            raw = match.group(3)
            if raw.lower() == "or":
                tokens.append(OR)
                continue
            negated = raw.startswith("-") and len(raw) > 1
            word = raw[1:] if negated else raw
            if WORD_RE.search(word):
                tokens.append(Term(word, phrase=False, negated=negated))
        else:
            phrase = " ".join(match.group(2).split())
            if WORD_RE.search(phrase):
                tokens.append(Term(phrase, phrase=True, negated=bool(match.group(1))))
    count = 0
    join_next = False
    for item in tokens:
        if item is OR:
            join_next = bool(parsed.groups)
            continue
        if count >= MAX_TERMS:
            parsed.notices.append(f"Only the first {MAX_TERMS} words of your search were used.")
            break
        count += 1
        if item.negated:
            parsed.excluded.append(item)
        elif join_next:
            parsed.groups[-1].append(item)
        else:
            parsed.groups.append([item])
        join_next = False
    if parsed.excluded and not parsed.groups:
        parsed.notices.append("Add a word to search for as well as the words to leave out.")
    return parsed


def _term_sql(term: Term, params: list[Any], *, synonyms: bool = True) -> str:
    if term.phrase:
        params.append(term.text)
        return f"phraseto_tsquery('{CONFIG}', %s)"
    params.append(term.text)
    parts = [f"plainto_tsquery('{CONFIG}', %s)"]
    key = term.text.lower().strip(".,;:!?'")
    if synonyms and not term.negated:
        for alternative in SYNONYMS.get(key, ()):
            params.append(alternative)
            parts.append(f"phraseto_tsquery('{CONFIG}', %s)")
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def _is_phrase_group(group: list[Term]) -> bool:
    return all(term.phrase for term in group)


# Up to this many plain words, a widened search needs at least half of them
# (written out as the combinations: at most 20 of 3); beyond it, any one of them.
WIDEN_COMBINATIONS_UP_TO = 6


def widened_tsquery_sql(parsed: ParsedQuery) -> tuple[str, list[Any]]:
    """Quoted phrases and exclusions still required; half of the plain words enough.

    Used when few results have every word: a write-up that says one thing in
    other words (a different verb) then still matches, and ranks below those
    that have them all.
    """
    plain = [group for group in parsed.groups if not _is_phrase_group(group)]
    if len(plain) < 2:
        return tsquery_sql(parsed)
    params: list[Any] = []
    phrases = [group for group in parsed.groups if _is_phrase_group(group)]
    parts = []
    for group in phrases:
        terms = [_term_sql(term, params) for term in group]
        parts.append(terms[0] if len(terms) == 1 else "(" + " || ".join(terms) + ")")

    def group_sql(group: list[Term]) -> str:
        terms = [_term_sql(term, params) for term in group]
        return terms[0] if len(terms) == 1 else "(" + " || ".join(terms) + ")"

    if len(plain) <= WIDEN_COMBINATIONS_UP_TO:
        needed = math.ceil(len(plain) / 2)
        options = []
        for chosen in itertools.combinations(plain, needed):
            options.append("(" + " && ".join(group_sql(g) for g in chosen) + ")")
        parts.append("(" + " || ".join(options) + ")")
    else:
        parts.append("(" + " || ".join(group_sql(g) for g in plain) + ")")
    joined = " && ".join(parts)
    for term in parsed.excluded:
        joined += f" && !!{_term_sql(term, params, synonyms=False)}"
    return joined, params


def required_tsquery_sql(parsed: ParsedQuery) -> tuple[str, list[Any]] | None:
    """What a result found by meaning alone must still satisfy: quoted phrases and -words, or None."""
    phrases = [group for group in parsed.groups if _is_phrase_group(group)]
    if not phrases and not parsed.excluded:
        return None
    if phrases:
        return tsquery_sql(ParsedQuery(groups=phrases, excluded=parsed.excluded))
    params: list[Any] = []
    # Nothing positive is required: a tsquery of only negations matches what lacks them.
    joined = " && ".join(f"!!{_term_sql(term, params, synonyms=False)}" for term in parsed.excluded)
    return joined, params


def tsquery_sql(parsed: ParsedQuery, *, any_word: bool = False) -> tuple[str, list[Any]]:
    """SQL for the tsquery of a parsed search: all groups required, or (any_word) any of them."""
    params: list[Any] = []
    groups = []
    for group in parsed.groups:
        parts = [_term_sql(term, params) for term in group]
        groups.append(parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")")
    joined = (" || " if any_word else " && ").join(groups)
    if any_word and len(groups) > 1:
        joined = f"({joined})"
    for term in parsed.excluded:
        joined += f" && !!{_term_sql(term, params, synonyms=False)}"
    return joined, params
