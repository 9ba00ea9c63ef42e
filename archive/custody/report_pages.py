"""Printable custody reports (HTML): one clip's trail, or an evidence package's contents.

A report is for people: what the clip is, then every event of its stream in order with
time, actor, action, reason, channel, client, global position, Merkle leaf and chain hashes.
Refused attempts stand out. Everything shown is escaped; the page loads nothing external.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_STYLE = """
body{font:12px/1.4 sans-serif;margin:1.5em;color:#111}
h1{font-size:18px}h2{font-size:15px;margin-top:1.6em;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin:.5em 0}
td,th{border:1px solid #aaa;padding:2px 4px;vertical-align:top;text-align:left}
th{background:#eee}.meta th{width:12em}
.h{font:10px monospace;word-break:break-all}
tr.refused td{background:#fde2e2}.badge{color:#a00;font-weight:bold}
.bad{color:#a00;font-weight:bold}.ok{color:#060;font-weight:bold}
@media print{body{margin:0}tr{page-break-inside:avoid}}
"""

# Clip metadata shown at the top of a clip's section, in this order, with these labels.
CLIP_FIELDS = (
    ("clip_id", "Clip"),
    ("camera_id", "Camera"),
    ("camera", "Camera name, district"),
    ("start", "Recorded from"),
    ("end", "Recorded to"),
    ("duration_s", "Duration (s)"),
    ("sha256", "SHA-256 of the original"),
    ("size_bytes", "Size (bytes)"),
    ("media", "Media"),
    ("ingested_by", "Ingested by"),
    ("ingested_at", "Ingested at"),
    ("retention_class", "Retention class"),
    ("retain_until", "Retain until"),
    ("status", "Status"),
    ("legal_hold", "Legal hold"),
    ("case_ids", "Cases"),
)

CASE_FIELDS = (
    ("case_id", "Case"),
    ("kind", "Kind"),
    ("title", "Title"),
    ("lead", "Lead"),
    ("members", "Members"),
    ("status", "Status"),
    ("opened_at", "Opened at"),
)


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def meta_table(rows: Iterable[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="meta">{body}</table>'


def clip_meta(clip: Mapping[str, Any] | None) -> str:
    if not clip:
        return ""
    shown = dict(clip)
    if clip.get("codec"):
        shown["media"] = (
            f"{clip.get('codec')} {clip.get('width')}x{clip.get('height')}"
            f" @ {clip.get('fps')} fps, {clip.get('container')}"
        )
    if isinstance(shown.get("case_ids"), list):
        shown["case_ids"] = ", ".join(shown["case_ids"]) or "(none)"
    if isinstance(shown.get("legal_hold"), bool):
        shown["legal_hold"] = "yes" if shown["legal_hold"] else "no"
    return meta_table((label, shown.get(key)) for key, label in CLIP_FIELDS if key in shown)


def events_table(events: Iterable[Mapping[str, Any]]) -> str:
    """Every event of a stream, as `archive.custody.trail` decodes it."""
    rows = []
    for e in events:
        details = dict(e.get("details") or {})
        refused = e["type"] == "AccessDenied"
        action = e["type"]
        if refused:
            action = f'<span class="badge">REFUSED</span> {esc(details.pop("action", ""))}'
        else:
            action = esc(action)
        chain = "✓" if e.get("chain_ok", True) else '<span class="bad">✗</span>'
        cells = [
            esc(e["version"]),
            esc(e["at"]),
            action,
            esc(e["actor"]),
            esc(e.get("reason") or ""),
            esc(e.get("channel") or ""),
            esc(e.get("client") or ""),
            esc("; ".join(f"{k}: {v}" for k, v in details.items())),
            esc(e["position"]),
            esc("" if e.get("leaf_index") is None else e["leaf_index"]),
            f'<span class="h">{esc(e.get("prev_hash") or "")}</span>',
            f'<span class="h">{esc(e.get("hash") or "")}</span>',
            chain,
        ]
        row_class = ' class="refused"' if refused else ""
        rows.append(f"<tr{row_class}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{h}</th>"
        for h in (
            "v",
            "time",
            "action",
            "actor",
            "reason",
            "channel",
            "client",
            "details",
            "position",
            "leaf",
            "prev hash",
            "hash",
            "chain",
        )
    )
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        f"</title><style>{_STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


HASH_NOTE = (
    "<p>Each row is one event of the stream, in order. Its hash is SHA-256 over the event's "
    "stored bytes and the previous row's hash (docs/ledger.md, section 1); the position is "
    "its place in the archive's global log and the leaf its place in the Merkle tree whose "
    "signed checkpoints prove it was not changed since. Refused attempts are kept as events "
    "too (marked REFUSED).</p>"
)


def trail_page(t: Mapping[str, Any]) -> str:
    """`saksi audit trail CLIP_ID --html`: one clip's chain of custody."""
    intact = t.get("chain_intact", True)
    verdict = (
        '<span class="ok">intact</span>'
        if intact
        else ('<span class="bad">BROKEN</span>: see the rows marked ✗')
    )
    refusals = sum(e["type"] == "AccessDenied" for e in t["events"])
    body = (
        f"<h1>Chain of custody: clip {esc(t['clip_id'])}</h1>"
        + clip_meta(t.get("clip"))
        + f"<p>Hash chain: {verdict}. {len(t['events'])} events, {refusals} refused "
        "attempt(s).</p>" + HASH_NOTE + events_table(t["events"])
    )
    return page(f"Custody trail {t['clip_id']}", body)


def package_page(
    head: Mapping[str, Any],
    sections: Sequence[tuple[str, Mapping[str, Any] | None, Sequence[Any]]],
) -> str:
    """The custody report inside an evidence package: the export, then each stream."""
    case = head.get("case")
    checkpoint = head["checkpoint"]
    rows = [
        ("Export", head["export_id"]),
        ("Exported by", head["exported_by"]),
        ("Exported at", head["exported_at"]),
        ("Channel, client", f"{head['channel']}, {head['client'] or '-'}"),
        ("Recipient", head["recipient"]),
        ("Reason", head["reason"]),
        ("Case", f"{case['case_id']} ({case['kind']}): {case['title']}" if case else "-"),
        ("Archive (log origin)", head["origin"]),
        ("Checkpoint", f"{checkpoint['size']} events, root {checkpoint['root']}"),
        ("Verifier key", head["verifier_key"]),
    ]
    if stamp := checkpoint.get("timestamp"):
        rows.append(("Timestamp (RFC 3161)", f"{stamp['gen_time']}, serial {stamp['serial']}"))
    parts = [
        f"<h1>Evidence package {esc(head['export_id'])}: custody report</h1>",
        meta_table(rows),
        "<p>To check this package and everything in this report against the archive's "
        "signature, follow VERIFY.txt. This page is a reading aid: the custody files it "
        "was made from are what the verifier checks.</p>",
        HASH_NOTE,
    ]
    for title, meta, events in sections:
        parts.append(f"<h2>{esc(title)}</h2>")
        if meta and "sha256" in meta:
            parts.append(clip_meta(meta))
        elif meta:
            parts.append(meta_table((label, _joined(meta.get(k))) for k, label in CASE_FIELDS))
        parts.append(events_table(events))
    return page(f"Evidence package {head['export_id']}", "\n".join(parts))


def _joined(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list) else value
