"""Auditor pages: the ledger's state and its checks' runs, verify now with progress."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from api.http.deps import Run, get_services
from api.http.ui.jobs import Jobs
from api.http.ui.web import Form, SignedIn, UiRoute, redirect, render
from archive.audit import compare, ledger_check, ledger_status, proofs
from archive.audit import verify as audit
from archive.custody import member_trail as custody
from archive.custody import retrieval
from archive.errors import NotFound
from archive.jobs import runs
from archive.sealing import seal as sealing
from archive.services import Services
from domain.base import Context
from retention import overview

router = APIRouter(route_class=UiRoute, include_in_schema=False)
VERIFY_JOB = "audit-verify"
FIXITY_JOB = "fixity-audit"
LEDGER_JOB = ledger_check.JOB  # the scheduled quick pass and read-model comparison
AUDIT_JOBS = (VERIFY_JOB, FIXITY_JOB, LEDGER_JOB, "checkpoint")  # the runs the page shows


def jobs_of(request: Request) -> Jobs:
    state = request.app.state
    if not hasattr(state, "ui_jobs"):
        state.ui_jobs = Jobs()
    jobs: Jobs = state.ui_jobs
    return jobs


@router.get("/audit")
async def ledger_page(request: Request, viewer: SignedIn, run: Run) -> Response:
    got = await run(ledger_status.status, viewer.ctx)
    recent = await run(overview.recent_runs, viewer.ctx)
    checks = [r for r in recent if r["job"] in AUDIT_JOBS]
    last = jobs_of(request).latest("verify")
    latest = await run(last_checks, viewer.ctx)
    return render(request, "audit.html", ledger=got, last=last, runs=checks, latest=latest)


def last_checks(svc: Services, ctx: Context) -> list[dict[str, Any]]:
    """The latest verify and fixity runs with their verdicts, however long ago they ran (the
    recent runs may by then be all checkpoints and sweeps)."""
    found = []
    for job in (VERIFY_JOB, FIXITY_JOB, LEDGER_JOB):
        latest = overview.recent_runs(svc, ctx, job)[:1]
        found.append({"job": job, "run": latest[0] if latest else None})
        if latest:
            found[-1]["verdict"] = verdict(latest[0])
    return found


def verdict(run: dict[str, Any]) -> str:
    """ok, bad (problems found or the run failed) or running."""
    if run["status"] == "failed":
        return "bad"
    if run["status"] != "finished":
        return "running"
    result = run["result"] or {}
    problems = result.get("count", 0) if "ok" not in result else not result["ok"]
    return "bad" if problems else "ok"


@router.post("/audit/verify")
async def verify_now(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    got = await run(ledger_status.status, viewer.ctx)  # refused (and recorded) up front
    request.app.state.rate_limiter.take("verify", viewer.ctx.actor)
    svc, ctx = get_services(request), viewer.ctx

    def work(progress: Any) -> dict[str, Any]:
        # Recorded as a run like the scheduled checks, so every auditor sees when and what.
        result: dict[str, Any] = runs.run_recorded(
            svc,
            ctx,
            VERIFY_JOB,
            "web",
            lambda: audit.verify(svc, ctx, progress=progress),
            summarize=lambda r: {**r, "problems": len(r["problems"])},
        )
        return result

    job = jobs_of(request).start(ctx.actor, "verify", got["events"], work)
    return redirect(f"/audit/verify/{job.job_id}")


def _job(request: Request, ctx: Context, job_id: str) -> Any:
    job = jobs_of(request).get(job_id, ctx.actor)
    if job is None:
        raise NotFound(f"no verify run {job_id} of yours in this server process")
    return job


@router.get("/audit/verify/{job_id}")
async def verify_page(request: Request, job_id: str, viewer: SignedIn) -> Response:
    return render(request, "verify.html", job=_job(request, viewer.ctx, job_id))


@router.get("/audit/verify/{job_id}/progress")
async def verify_progress(request: Request, job_id: str, viewer: SignedIn) -> Response:
    return JSONResponse(_job(request, viewer.ctx, job_id).progress())


@router.post("/audit/checkpoint")
async def seal_now(viewer: SignedIn, run: Run, form: Form) -> Response:
    """Seal the log into the Merkle tree and sign a checkpoint now (as the scheduler does)."""
    await run(sealing.seal_checkpoint, viewer.ctx)
    return redirect("/audit")


@router.post("/audit/compare")
async def compare_page(request: Request, viewer: SignedIn, run: Run, form: Form) -> Response:
    """Kept checkpoint notes or packages, each proven a prefix of the live log or its fork named."""
    uploads = [f for f in (await request.form()).getlist("files") if isinstance(f, UploadFile)]
    files = [(f.filename or "file", f.file) for f in uploads]  # spooled by the form parser
    result = await run(compare.compare, viewer.ctx, files, timeout_factor=10)
    return render(request, "compare.html", result=result)


@router.get("/audit/proof")
async def proof_download(
    viewer: SignedIn,
    run: Run,
    index: Annotated[int, Query(ge=0)],
    size: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """An inclusion proof (RFC 9162) of one leaf against the latest checkpoint, as a file."""
    proof = await run(proofs.inclusion, viewer.ctx, index, size)
    return JSONResponse(
        proof,
        headers={"Content-Disposition": f'attachment; filename="inclusion-proof-{index}.json"'},
    )


@router.get("/trail")
async def find_trail(clip: Annotated[UUID, Query()], viewer: SignedIn) -> Response:
    return redirect(f"/clips/{clip}/trail")


def trail_details(svc: Services, ctx: Context, clip_id: str) -> dict[str, Any]:
    trail = custody.custody_trail(svc, ctx, clip_id)
    return {"trail": trail, "clip": retrieval.show_clip(svc, ctx, clip_id)}


@router.get("/clips/{clip_id}/trail")
async def trail_page(request: Request, clip_id: UUID, viewer: SignedIn, run: Run) -> Response:
    """The clip's chain of custody: auditors, admins and members of its case."""
    return render(request, "trail.html", **await run(trail_details, viewer.ctx, str(clip_id)))
