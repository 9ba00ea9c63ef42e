"""The package verifier as one file, for a court without Saksi: `verify_package.py`.

Built from the very modules `saksi verify` runs (nothing is rewritten): each module's source
in dependency order, minus the imports between them, under one `from __future__` line. It
needs Python 3.11+ and the `cryptography` package (45 or newer: RFC 3161 certificate paths
are validated by its `x509.verification`), nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

MODULES = (  # paths under ledger/, in dependency order
    "chain",
    "merkle",
    "checkpoint",
    "cosignature",
    "verify_offline",
    "package/format",
    "package/zip_reader",
    "package/report",
    "package/derivation",
    "der",
    "timestamp",
    "package/timestamp",
    "package/verify",
    "package/cli",
)
SCRIPT_NAME = "verify_package.py"

_HEADER = '''#!/usr/bin/env python3
"""Verify a Saksi evidence package offline:
    python3 verify_package.py PACKAGE.zip [--key KEY] [--witness KEY]... [--min-witnesses K]

Generated from Saksi's ledger modules ({modules}); the same code as `saksi verify`.
Needs Python 3.11+ and the `cryptography` package, 45 or newer (pip install 'cryptography>=45').
Exit codes: 0 verified, 1 a check failed (each failure is named), 2 bad input.
"""

from __future__ import annotations

try:
    from cryptography.x509.verification import ExtensionPolicy  # noqa: F401  (45 or newer)
except ImportError:
    import sys

    sys.exit("this verifier needs cryptography 45 or newer: pip install 'cryptography>=45'")
'''

_FOOTER = """

if __name__ == "__main__":
    import sys

    sys.exit(main())
"""


def _without_local_imports(source: str) -> str:
    """The module's source minus `from __future__` and `from ledger...` imports."""
    drop: set[int] = set()
    for node in ast.parse(source).body:
        if isinstance(node, ast.ImportFrom) and (
            node.module == "__future__" or (node.module or "").split(".")[0] == "ledger"
        ):
            drop.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    lines = source.splitlines(keepends=True)
    return "".join(line for number, line in enumerate(lines, 1) if number not in drop)


def script_source() -> str:
    here = Path(__file__).parent.parent  # ledger/
    parts = [_HEADER.format(modules=", ".join(MODULES))]
    for name in MODULES:
        source = (here / f"{name}.py").read_text(encoding="utf-8")
        parts.append(f"\n# {'-' * 20} ledger/{name}.py {'-' * 20}\n")
        parts.append(_without_local_imports(source))
    parts.append(_FOOTER)
    return "".join(parts)
