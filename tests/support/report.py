"""The reliability report: each scenario's figures in tests/artifacts/reliability.json.

Scenarios run separately update their own entry, so `pytest tests/reliability -k crash`
keeps the figures of the others (each entry says when it was measured)."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPORT = Path(__file__).resolve().parents[1] / "artifacts" / "reliability.json"


def record(scenario: str, figures: dict[str, Any], path: Path = REPORT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        doc = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        doc = {}
    doc["machine"] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    doc.setdefault("scenarios", {})[scenario] = {
        **figures,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
