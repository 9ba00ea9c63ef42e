"""`saksi retention ...`, `saksi hold ...` and `saksi scheduler`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli import recovery
from api.cli.common import ACTOR_HELP, emit, host_context, services, table, user_context
from archive import bootstrap
from archive.jobs import scheduler
from archive.settings import Settings
from archive.timefmt import parse_duration
from retention import holds, overview, policies
from retention import sweep as sweep_uc


def register(app: typer.Typer) -> None:
    retention_app = typer.Typer(
        help="Retention policies, the sweep, what is due.", no_args_is_help=True
    )
    policy_app = typer.Typer(help="Retention periods per class (admins).", no_args_is_help=True)
    policy_app.command("set")(policy_set)
    policy_app.command("list")(policy_list)
    retention_app.add_typer(policy_app, name="policy")
    retention_app.command("sweep")(sweep)
    retention_app.command("due")(due)
    retention_app.command("runs")(job_runs)
    retention_app.command("restore")(recovery.restore)
    app.add_typer(retention_app, name="retention")
    hold_app = typer.Typer(help="Legal holds on a clip or a whole case.", no_args_is_help=True)
    hold_app.command("place")(hold_place)
    hold_app.command("release")(hold_release)
    app.add_typer(hold_app, name="hold")
    app.command("scheduler")(run_scheduler)


def policy_set(
    retention_class: str = typer.Argument(
        ..., metavar="CLASS", help="report|incident|investigation"
    ),
    keep: str = typer.Option(..., "--keep", help="ISO 8601 duration, e.g. P90D or PT30S."),
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    reason: str = typer.Option(None, "--reason"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Set how long a class of footage is kept; recomputes the clips it governs."""
    period = parse_duration(keep, "--keep")
    with services() as svc:
        result = policies.set_policy(
            svc,
            user_context(svc, actor),
            retention_class=retention_class,
            keep=period,
            reason=reason,
        )
    emit(
        result,
        as_json,
        lambda r: (
            f"{r['retention_class']}: keep {r['keep']} ({r['clips_recomputed']} clips recomputed)"
        ),
    )


def policy_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the retention policies."""
    with services() as svc:
        result = policies.list_policies(svc, host_context())
    cols = ["retention_class", "keep", "changed_at", "changed_by"]
    emit(result, as_json, lambda r: table(r["policies"], cols))


def sweep(
    actor: str | None = typer.Option(None, "--actor", help=ACTOR_HELP),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Schedule every clip whose retain-until has passed and that no hold protects for
    deletion after the recovery window (SAKSI_RECOVERY_WINDOW), and purge those whose window
    is over.

    Exits 1 when some clips could not be purged (listed under "errors")."""
    with services() as svc:
        result = sweep_uc.sweep(svc, user_context(svc, actor))
    public = {k: result[k] for k in ("purged", "kept_on_hold", "errors")}
    emit({**public, **result}, as_json, _sweep_human)
    if result["errors"]:
        raise typer.Exit(1)


def _sweep_human(r: dict[str, Any]) -> str:
    lines = [
        f"purged {len(r['purged'])} clips; kept on hold {len(r['kept_on_hold'])}; "
        f"deferred by the store's lock {len(r['deferred'])}; "
        f"scheduled for deletion {len(r['scheduled'])}; deletions cancelled {len(r['cancelled'])}; "
        f"orphan objects deleted {len(r['orphans']['deleted'])}"
    ]
    lines += [f"  error: {e['clip_id']}: {e['error']}" for e in r["errors"]]
    return "\n".join(lines)


def due(
    within: str = typer.Option("P7D", "--within", help="ISO 8601 duration from now."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """List the clips falling due within a period from now, and every clip pending deletion
    (in its recovery window, with `delete_after`): what the sweep will purge, and when."""
    period = parse_duration(within, "--within")
    with services() as svc:
        result = policies.due(svc, host_context(), period)
    cols = ["clip_id", "camera_id", "retention_class", "retain_until", "will_purge"]
    cols += ["pending_deletion", "delete_after"]
    emit(result, as_json, lambda r: table(r["clips"], cols))


def job_runs(
    job: str = typer.Option(None, "--job", help="retention-sweep, checkpoint, fixity-audit"),
    limit: int = typer.Option(20, "--limit"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Recent runs of the scheduled jobs (and of sweeps run by hand), newest first."""
    with services() as svc:
        result = {"runs": overview.recent_runs(svc, host_context(), job, limit)}
    cols = ["job", "trigger", "status", "started_at", "finished_at", "host"]
    emit(result, as_json, lambda r: table(r["runs"], cols))


ClipOption = Annotated[str | None, typer.Option("--clip", help="Clip id.")]
CaseOption = Annotated[str | None, typer.Option("--case", help="Case id.")]
Actor = Annotated[str | None, typer.Option("--actor", help=ACTOR_HELP)]
Reason = Annotated[str, typer.Option("--reason")]
Json = Annotated[bool, typer.Option("--json")]


def hold_place(
    reason: Reason,
    actor: Actor = None,
    clip: ClipOption = None,
    case: CaseOption = None,
    as_json: Json = False,
) -> None:
    """Place a legal hold: the clip (or every clip of the case) is never purged while it lasts."""
    _hold(True, clip, case, actor, reason, as_json)


def hold_release(
    reason: Reason,
    actor: Actor = None,
    clip: ClipOption = None,
    case: CaseOption = None,
    as_json: Json = False,
) -> None:
    """Release a legal hold (admins)."""
    _hold(False, clip, case, actor, reason, as_json)


def _hold(
    on: bool, clip: str | None, case: str | None, actor: str | None, reason: str, as_json: bool
) -> None:
    with services() as svc:
        result = holds.set_hold(
            svc, user_context(svc, actor), on=on, reason=reason, clip_id=clip, case_id=case
        )
    state = "placed" if on else "released"
    emit(
        result,
        as_json,
        lambda r: (
            f"hold {r['hold_id']} {state}: {len(r['clip_ids'])} clips, "
            f"{r['objects']} object versions"
        ),
    )


def run_scheduler() -> None:
    """Run the scheduled jobs (retention sweep, checkpoint sealing, fixity audit) until stopped.

    Intervals: SAKSI_SWEEP_INTERVAL, SAKSI_CHECKPOINT_INTERVAL, SAKSI_FIXITY_INTERVAL,
    SAKSI_DELETION_NOTICE_INTERVAL."""
    scheduler.configure_logging()
    bootstrap.run_scheduler(Settings.from_env())
