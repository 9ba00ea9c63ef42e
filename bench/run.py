"""Runs every benchmark module and writes bench/results.json.

python -m bench.run [--quick] [--only NAME_PREFIX]
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
import traceback
from pathlib import Path

from bench.common import machine

OUT = Path(__file__).parent / "results.json"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="about a tenth of the full size")
    parser.add_argument("--only", default="", help="run modules whose name starts with this")
    parser.add_argument("--city", action="store_true", help="the city bench alone (bench/city)")
    parser.add_argument("--city-events", type=int, default=None, help="its size in events")
    args = parser.parse_args()
    results: list[dict[str, object]] = []
    failures = 0
    if args.city:
        from bench.city import run as city

        print("== city", file=sys.stderr, flush=True)
        results = [r.as_dict() for r in city.run(quick=args.quick, events=args.city_events)]
        _write(results, args.quick, merge=True)
        return
    for mod in sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])):
        if not mod.startswith("b_") or not mod[2:].startswith(args.only):
            continue
        print(f"== {mod}", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.{mod}")
            for r in module.run(quick=args.quick):
                results.append(r.as_dict())
                print(f"   {r.name}: {r.as_dict()}", file=sys.stderr, flush=True)
        except Exception:
            failures += 1
            traceback.print_exc()
    _write(results, args.quick, merge=bool(args.only))
    sys.exit(1 if failures else 0)


def _write(results: list[dict[str, object]], quick: bool, merge: bool) -> None:
    """The whole run's results; a partial run (--only, --city) replaces its own names in the
    file and keeps the others, so the city figures sit beside the rest."""
    if merge and OUT.exists():
        fresh = {r["name"] for r in results}
        kept = [r for r in json.loads(OUT.read_text())["results"] if r["name"] not in fresh]
        results = kept + results
    OUT.write_text(json.dumps({"machine": machine(), "quick": quick, "results": results}, indent=2))
    print(f"wrote {OUT} ({len(results)} results)", file=sys.stderr)


if __name__ == "__main__":
    main()
