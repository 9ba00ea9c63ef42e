"""Every fixed advisory-lock key is in one table, and no two uses share one."""

from __future__ import annotations

import re
from pathlib import Path

from storage import lock_keys

ROOT = Path(__file__).resolve().parents[2]


def test_no_two_lock_uses_share_a_key() -> None:
    keys = list(lock_keys.ALL.values())
    assert len(keys) == len(set(keys)), lock_keys.ALL


def test_no_module_takes_a_fixed_advisory_lock_outside_the_table() -> None:
    literal = re.compile(r"advisory_(?:xact_)?(?:un)?lock\(\s*\S*?\(?\s*0x", re.IGNORECASE)
    for path in (ROOT / "storage").rglob("*.py"):
        text = path.read_text()
        assert not literal.search(text), f"{path}: a literal lock key; add it to lock_keys"
        for found in re.findall(r"0x5A4B53[0-9A-F]{2}", text):
            assert path.name == "lock_keys.py", f"{path} defines lock key {found}"
