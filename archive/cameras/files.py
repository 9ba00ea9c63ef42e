"""The camera registry as files: CSV and GeoJSON, read with where each row came from.

CSV header (contract.md): camera_id,name,owner,district,rt,lat,lon and optionally
source_kind,source_url,channel,path,tz,credential. GeoJSON: a FeatureCollection of Point
features (lon, lat) whose properties are the same columns; a feature without a position has
a null geometry. Rows are checked by the import (archive/cameras/bulk.py), not here.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from archive.errors import InvalidInput

REQUIRED = ("camera_id", "name", "owner", "district", "rt", "lat", "lon")
SOURCE = ("source_kind", "source_url", "channel", "path", "tz", "credential")
COLUMNS = (*REQUIRED, *SOURCE)
FORMATS = ("csv", "geojson")


@dataclass(frozen=True)
class Row:
    where: str  # "line 7" or "feature 3": named in errors
    values: dict[str, str | None]  # column -> text (None or "" when empty)


def read_rows(name: str, data: bytes) -> list[Row]:
    fmt = "geojson" if name.lower().endswith((".geojson", ".json")) else "csv"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{name} is not UTF-8 text") from None
    return _geojson(name, text) if fmt == "geojson" else _csv(name, text)


def _csv(name: str, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InvalidInput(f"{name} is empty") from None
    except csv.Error as e:
        raise InvalidInput(f"{name} line 1: {e}") from None
    _check_columns(name, "line 1", header)
    rows = []
    try:
        for cells in reader:
            where = f"line {reader.line_num}"
            if not any(c.strip() for c in cells):
                continue  # blank lines are not cameras
            if len(cells) != len(header):
                raise InvalidInput(
                    f"{name} {where}: {len(cells)} fields, the header has {len(header)}"
                )
            rows.append(Row(where, dict(zip(header, cells, strict=True))))
    except csv.Error as e:
        raise InvalidInput(f"{name} line {reader.line_num}: {e}") from None
    return rows


def _geojson(name: str, text: str) -> list[Row]:
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise InvalidInput(f"{name} is not JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InvalidInput(f"{name} is not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise InvalidInput(f"{name}: the FeatureCollection has no features list")
    rows = []
    for i, f in enumerate(features, start=1):
        where = f"feature {i}"
        props = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(props, dict):
            raise InvalidInput(f"{name} {where}: not a feature with properties")
        _check_columns(name, where, ["lat", "lon", *props], feature=True)
        values = {k: None if v is None else str(v) for k, v in props.items()}
        geometry = f.get("geometry")
        if geometry is not None:
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            ok = isinstance(geometry, dict) and geometry.get("type") == "Point"
            if not ok or not isinstance(coords, list) or len(coords) < 2:
                raise InvalidInput(f"{name} {where}: the geometry must be a Point or null")
            values["lon"], values["lat"] = repr(coords[0]), repr(coords[1])
        rows.append(Row(where, values))
    return rows


def _check_columns(name: str, where: str, header: list[str], feature: bool = False) -> None:
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InvalidInput(
            f"{name} {where}: unknown column {unknown[0]!r} (columns: {','.join(COLUMNS)})"
        )
    required = [c for c in REQUIRED if c not in ("rt", "lat", "lon")] if feature else REQUIRED
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidInput(f"{name} {where}: missing column {missing[0]!r}")


def write(fmt: str, cameras: list[dict[str, Any]]) -> bytes:
    """The cameras (views with their `source`) as CSV or GeoJSON, which import reads back."""
    rows = [_columns(c) for c in cameras]
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow(["" if r[c] is None else r[c] for c in COLUMNS])
        return out.getvalue().encode("utf-8")
    if fmt == "geojson":
        features = [
            {
                "type": "Feature",
                "geometry": None
                if r["lat"] is None
                else {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    k: v for k, v in r.items() if k not in ("lat", "lon") and v is not None
                },
            }
            for r in rows
        ]
        doc = {"type": "FeatureCollection", "features": features}
        return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    raise InvalidInput(f"invalid --format {fmt!r}: expected csv or geojson")


def _columns(camera: dict[str, Any]) -> dict[str, Any]:
    source = camera.get("source") or {}
    return {
        **{k: camera.get(k) for k in REQUIRED},
        "source_kind": source.get("kind"),
        "source_url": source.get("url"),
        "channel": source.get("channel"),
        "path": source.get("path"),
        "tz": source.get("tz") if source else None,
        "credential": source.get("credential"),
    }
