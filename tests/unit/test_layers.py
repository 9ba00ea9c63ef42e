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
    for package in ("archive", "storage", "retention", "domain", "ledger"):
        for path, names in imports_of(package).items():
            assert not any(n == "api" or n.startswith("api.") for n in names), f"{path} imports api"


def test_the_ledger_depends_only_on_the_standard_library_and_cryptography() -> None:
    for path, names in imports_of("ledger").items():
        for name in names:
            top = name.split(".")[0]
            assert top in STDLIB or top == "cryptography" or top == "ledger", (
                f"{path} imports {name}"
            )


def test_the_standalone_package_verifier_needs_only_the_standard_library_and_cryptography() -> None:
    """verify_package.py, as packaged: one file, no Saksi import, no name defined twice."""
    import collections

    from ledger.package.standalone import script_source

    tree = ast.parse(script_source())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "relative import in the standalone verifier"
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            assert top in STDLIB or top in ("cryptography", "__future__"), name
    defined: collections.Counter[str] = collections.Counter()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            defined[node.name] += 1
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            defined.update(t.id for t in targets if isinstance(t, ast.Name))
    assert [name for name, n in defined.items() if n > 1] == []
    assert any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body)
