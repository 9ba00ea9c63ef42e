"""Dependencies point inward: domain is pure, archive does not know its interfaces."""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STDLIB = set(sys.stdlib_module_names)


def imports_of(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_domain_imports_only_the_standard_library_and_eventsourcing_domain() -> None:
    for path, names in imports_of("domain").items():
        for name in names:
            top = name.split(".")[0]
            allowed = top in STDLIB or top == "domain" or name == "eventsourcing.domain"
            assert allowed, f"{path} imports {name}"


def test_use_cases_and_adapters_do_not_import_the_interfaces() -> None:
    for package in ("archive", "storage", "retention", "domain"):
        for path, names in imports_of(package).items():
            assert not any(n == "api" or n.startswith("api.") for n in names), f"{path} imports api"


def test_the_ledger_depends_only_on_the_standard_library_and_cryptography() -> None:
    for path, names in imports_of("archive/ledger").items():
        for name in names:
            top = name.split(".")[0]
            assert top in STDLIB or top == "cryptography" or name.startswith("archive.ledger"), (
                f"{path} imports {name}"
            )
