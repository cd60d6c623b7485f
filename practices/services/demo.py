"""Demo content: the JSON files in practices/demo_data/, loaded through the importer."""

import json
from pathlib import Path

from practices.services.imports import SECTIONS, ImportResult, practices_import

DEMO_DATA = Path(__file__).resolve().parent.parent / "demo_data"


def demo_data() -> dict[str, list[dict]]:
    return {section: json.loads((DEMO_DATA / f"{section}.json").read_text(encoding="utf-8")) for section in SECTIONS}


def demo_seed() -> ImportResult:
    return practices_import(demo_data())
