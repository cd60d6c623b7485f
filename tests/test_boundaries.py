"""Walls between the apps: `councils` (who) never depends on `practices` (what); practices builds on councils."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python_files(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, module) for every import in the file, including imports inside functions."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def test_councils_never_imports_practices():
    breaches = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in python_files("councils")
        for line, module in imported_modules(path)
        if module == "practices" or module.startswith("practices.")
    ]
    assert breaches == []


def test_councils_reads_no_practices_tables_or_views():
    """No SQL in councils names a practices_* table or summary view (its counts live in practices.selectors)."""
    breaches = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in python_files("councils")
        if "migrations" not in path.parts
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "practices_" in node.value
    ]
    assert breaches == []


def test_the_checker_sees_imports_inside_functions(tmp_path):
    """The wall test would notice a late import, the usual way round a cycle."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from practices.selectors import browse\n    import practices.models\n")
    assert [module for _, module in imported_modules(sample)] == ["practices.selectors", "practices.models"]
