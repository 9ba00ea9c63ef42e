"""Pydantic models of every request and response body (the OpenAPI schema is built from them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema


def printable(text: str) -> str:
    """Free text may not carry control characters or lone surrogates: PostgreSQL refuses NUL,
    no encoder takes a lone surrogate, and neither belongs in an evidence record."""
    for ch in text:
        code = ord(ch)
        if (code < 32 and ch not in "\t\n\r") or code == 127 or 0xD800 <= code <= 0xDFFF:
            raise ValueError("control characters are not allowed")
    return text


Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
CameraId = Name
CaseId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._/-]{1,64}$")]
Reason = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"\S"), AfterValidator(printable)
]
Text = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=r"\S"), AfterValidator(printable)
]
# ISO 8601 with a UTC offset; parsed by archive.timefmt (pydantic would also take numbers).
IsoTime = Annotated[
    str,
    StringConstraints(max_length=64),
    WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 64}),
]
Role = Literal["operator", "investigator", "auditor", "admin", "owner"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors --------------------------------------------------------------------------------


class PurgeRecord(BaseModel):
    clip_id: str
    sha256: str
    purged_at: str | None
    retain_until: str
    status: Literal["purging", "purged"] | None = None
    size_bytes: int | None = None
    purged_by: str | None = None
    reason: str | None = None
    objects: list[dict[str, Any]] = Field(
        default_factory=list, description="What the purge did to each stored object"
    )


class PendingRecord(BaseModel):
    clip_id: str
    sha256: str
    retain_until: str
    delete_after: str = Field(description="When the sweep may delete the content")
    scheduled_at: str | None = None
    reason: str | None = None
    restore: str | None = None


class ErrorOut(BaseModel):
    error: str = Field(description="What went wrong, in one line")
    purge: PurgeRecord | None = Field(None, description="For 410: the purge record of the clip")
    pending_deletion: PendingRecord | None = Field(
        None, description="For 409 on content: the clip waits out its recovery window"
    )


# --- health ---------------------------------------------------------------------------------


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str


class ReadyOut(BaseModel):
    ready: bool
    checks: dict[str, bool]


# --- clips ----------------------------------------------------------------------------------


class ClipOut(BaseModel):
    clip_id: str
    camera_id: str
    sha256: str
    size_bytes: int
    duration_s: float | None
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    container: str | None
    start: str
    end: str
    retention_class: str
    retain_until: str
    status: Literal["active", "purging", "purged"]
    legal_hold: bool
    case_ids: list[str]
    ingested_at: str | None
    ingested_by: str
    purged_at: str | None
    derived_from: str | None = Field(
        None, description="For a redacted copy: the id of the clip it was made from"
    )
    pending_deletion: dict[str, Any] | None = Field(
        None,
        description="While the clip waits out its recovery window: delete_after, scheduled_at, "
        "scheduled_by, reason (content reads answer 409)",
    )


class IngestedOut(ClipOut):
    """A clip just ingested: also what it was made from and its derivatives (as the CLI shows)."""

    source: dict[str, Any] | None = Field(None, description="Where the recording came from")
    derivatives: list[dict[str, Any]] = Field(
        default_factory=list, description="Poster, proxy...: kind, SHA-256, size, how made"
    )


class ClipPage(BaseModel):
    clips: list[ClipOut]
    limit: int
    offset: int
    next_offset: int | None = Field(
        description="Pass as `offset` for the next page; null at the end or when paging by `after`"
    )
    next_after: str | None = Field(
        default=None, description="Pass as `after` for the next page; null at the end"
    )


class UploadForm(Strict):
    """The text fields of a multipart upload (next to the `file` part)."""

    camera_id: CameraId
    reason: Reason
    case_id: CaseId | None = None
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    source_start: IsoTime | None = None
    retention_class: Literal["report", "incident", "investigation"] | None = None


UPLOAD_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["file", "camera_id", "reason"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The recording"},
        "camera_id": {"type": "string", "pattern": r"^[A-Za-z0-9._-]{1,64}$"},
        "reason": {"type": "string", "minLength": 1, "maxLength": 500},
        "case_id": {"type": "string", "pattern": r"^[A-Za-z0-9._/-]{1,64}$"},
        "sha256": {"type": "string", "pattern": r"^[0-9a-fA-F]{64}$"},
        "source_start": {
            "type": "string",
            "format": "date-time",
            "description": "Wall-clock time of the first frame (ISO 8601 with offset)",
        },
        "retention_class": {"type": "string", "enum": ["report", "incident", "investigation"]},
    },
}


# --- cases ----------------------------------------------------------------------------------


class CaseIn(Strict):
    case_id: CaseId
    kind: Literal["report", "incident", "investigation"]
    title: Text
    members: list[Name] = Field(default_factory=list, max_length=50)


class AttachIn(Strict):
    clip_id: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F-]{32,36}$")]
    reason: Reason


class MemberIn(Strict):
    user: Name


class CaseOut(BaseModel):
    case_id: str
    kind: str
    title: str
    lead: str
    status: Literal["open", "closed"]
    members: list[str]
    clip_ids: list[str]
    opened_at: str | None
    closed_at: str | None
    legal_hold: bool


# --- users ----------------------------------------------------------------------------------


class UserIn(Strict):
    name: Name
    role: Role
    expires: (
        Annotated[str, StringConstraints(pattern=r"^P[0-9YMWDTHS.]+$", max_length=32)] | None
    ) = Field(None, description="Token lifetime, an ISO 8601 duration such as P90D")


class UserOut(BaseModel):
    name: str
    role: str
    token: str = Field(description="Shown once; only its hash is stored")
    expires: str | None


class RevokedOut(BaseModel):
    name: str
    revoked: bool


# --- cameras --------------------------------------------------------------------------------


class CameraIn(Strict):
    camera_id: CameraId
    name: Text
    owner: Literal["public", "private"]
    district: Text
    rt: (
        Annotated[str, StringConstraints(min_length=1, max_length=16), AfterValidator(printable)]
        | None
    ) = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    owner_user: Name | None = Field(None, description="A private camera's owner (role owner)")


class CameraOut(BaseModel):
    camera_id: str
    name: str
    owner: str
    district: str
    rt: str | None
    lat: float | None
    lon: float | None
    owner_user: str | None
    distance_m: float | None = None
    source: dict[str, Any] | None = Field(None, description="Where its recordings are fetched")
    retired: bool = False


class CameraList(BaseModel):
    cameras: list[CameraOut]


# --- audit ----------------------------------------------------------------------------------


class Problem(BaseModel):
    kind: str
    position: int | None
    originator_id: str | None
    version: int | None
    detail: str


class TimestampsMissing(BaseModel):
    checkpoint: int
    size: int
    attempts: int
    error: str | None


class TimestampsOut(BaseModel):
    configured: bool = Field(description="SAKSI_TSA_URL is set")
    stamped: int = Field(description="checkpoints with an RFC 3161 token (each checked)")
    latest_gen_time: str | None
    missing: list[TimestampsMissing] = Field(description="checkpoints still waiting for one")


class WitnessOut(BaseModel):
    name: str
    url: str
    key: str = Field(description="Its cosignature verifier key: NAME+KEYHASH+BASE64(0x04‖PUBKEY)")
    status: str = Field(description="its last answer: ok | down | refused | inconsistent")
    detail: str | None
    cosigned_size: int | None = Field(description="the tree size it last cosigned for us")
    failed_attempts: int
    cosigned_this_checkpoint: bool


class WitnessAlarmOut(BaseModel):
    witness: str
    checkpoint: int | None
    size: int
    detail: str
    at: str


class WitnessesOut(BaseModel):
    configured: bool = Field(description="SAKSI_WITNESSES is set")
    witnesses: list[WitnessOut]
    alarms: list[WitnessAlarmOut] = Field(
        description="checkpoints a witness refused as inconsistent with what it cosigned"
    )
    cosignatures: int | None = Field(None, description="stored cosignatures (each checked)")


class VerifyOut(BaseModel):
    ok: bool
    events: int
    sealed: int | None = Field(None, description="Events sealed into the Merkle log")
    checkpoints: int
    problems: list[Problem]
    timestamps: TimestampsOut | None = None
    witnesses: WitnessesOut | None = None


class TrailEvent(BaseModel):
    type: str
    at: str
    actor: str | None
    reason: str | None
    channel: str | None = None
    client: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    version: int
    position: int
    leaf_index: int | None = None
    prev_hash: str | None = None
    hash: str | None
    chain_ok: bool | None = None


class TrailOut(BaseModel):
    clip_id: str
    chain_intact: bool | None = None
    events: list[TrailEvent]


class CheckpointTimestampOut(BaseModel):
    status: str = Field(description="stamped | missing (the TSA failed; the next seal retries)")
    tsa_url: str
    gen_time: str | None = Field(None, description="the TSA's genTime (ISO 8601)")
    serial: str | None = None
    token: str | None = Field(None, description="the TimeStampToken, DER in base64")
    attempts: int | None = None
    error: str | None = None


class CheckpointOut(BaseModel):
    origin: str
    size: int
    root: str = Field(description="Merkle root, hex")
    note: str = Field(description="The signed checkpoint in C2SP signed-note format")
    key: str = Field(description="Verifier key: NAME+KEYHASH+BASE64(0x01‖PUBKEY)")
    timestamp: CheckpointTimestampOut | None = Field(
        None, description="RFC 3161 timestamp; null when no TSA was configured at sealing"
    )
    witnesses: WitnessesOut | None = Field(
        None, description="the witnesses asked to cosign it (the note carries their lines)"
    )


class InclusionOut(BaseModel):
    index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str]
    event_hash: str | None = None
    position: int | None = None
    originator_id: str | None = None
    version: int | None = None
    checkpoint: str | None = None


class ConsistencyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    old: int = Field(alias="from")
    new: int = Field(alias="to")
    old_root: str
    new_root: str
    proof: list[str]


# --- retention and holds ---------------------------------------------------------------------


class PolicyOut(BaseModel):
    retention_class: str
    keep: str = Field(description="ISO 8601 duration")
    keep_seconds: int
    changed_at: str | None = None
    changed_by: str | None = None
    reason: str | None = None
    clips_recomputed: int | None = None


class PoliciesOut(BaseModel):
    policies: list[PolicyOut]


class PolicyIn(Strict):
    keep: Annotated[str, StringConstraints(min_length=2, max_length=40)] = Field(
        description="ISO 8601 duration, e.g. P90D or PT30S"
    )
    reason: Reason | None = None


class DueClip(BaseModel):
    clip_id: str
    camera_id: str
    retention_class: str
    start: str | None
    retain_until: str | None
    overdue: bool
    legal_hold: bool
    will_purge: bool
    size_bytes: int
    holds: list[str] = Field(default_factory=list)
    pending_deletion: bool = False
    delete_after: str | None = Field(
        None, description="Recorded while pending deletion; else the earliest the content goes"
    )
    deletion_scheduled_at: str | None = None


class DueOut(BaseModel):
    now: str
    within: str
    until: str
    window: str | None = Field(None, description="The recovery window, ISO 8601")
    clips: list[DueClip]


class HoldIn(Strict):
    clip_id: Annotated[str, StringConstraints(max_length=64)] | None = None
    case_id: CaseId | None = None
    reason: Reason


class HoldOut(BaseModel):
    hold_id: str
    legal_hold: bool
    clip_ids: list[str]
    objects: int


# --- safe deletion (retention/recovery.py) ---------------------------------------------------


class RestoreIn(Strict):
    reason: Reason


class RestoreOut(BaseModel):
    clip_id: str
    status: str
    sha256: str
    restored_at: str
    restored_by: str
    reason: str
    retain_until: str = Field(description="Moved past the restore by one recovery window")
    was: PendingRecord | None = Field(None, description="The recovery window it was in")
