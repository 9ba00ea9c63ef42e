"""Authorization cannot be skipped by omission.

Every public function of the use-case packages (archive/, retention/) whose first parameter
is the Services is enumerated, and sorted by what vouches for its caller:
- a principal (`ctx`): it must be a required argument, and a principal without permissions
  (a user whose access was revoked) must be refused by the function itself;
- a presented credential (`token`, `session_id`: sign-in, share and upload links): a made-up
  one must be refused;
- a proof that a use case already let the caller in (a resolved `Principal`, an `Export`, an
  upload `Claim`): only those use cases can make one;
- nothing: then it is a helper, and no interface (api/) may call it.
A use case added without a check, or a route calling a helper directly, fails here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.accounts import users
from archive.cameras import registry as cameras
from archive.cases import cases
from archive.custody.content import ByteRange
from archive.errors import Gone, NotFound, Refused, Unauthenticated
from archive.footage_requests import requests as footage_requests
from archive.ingest import ingest, media
from archive.services import Services
from archive.sharing import shares
from domain.base import Context
from domain.redaction import Box
from tests.support.principals import HOST

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("archive", "retention")
NOT_USE_CASES = {"archive.bootstrap"}  # the composition root builds; it decides nothing
# Reads that touch no evidence and have their own gate at the interface.
NO_EVIDENCE = {
    "archive.ops.status.readiness": "a readiness probe: can this process reach its stores",
    "archive.ops.metrics.collect": "counts for /metrics, which has a credential of its own",
    "archive.accounts.oidc.begin": "sends the browser to the identity provider: grants nothing",
}
CREDENTIALS = ("token", "session_id", "code")  # code: an OpenID Connect authorization code
PROOFS = ("Principal", "Export", "Claim")


@dataclass(frozen=True)
class UseCase:
    name: str  # module.function
    fn: Callable[..., Any]
    params: list[inspect.Parameter]

    @property
    def kind(self) -> str:
        names = {p.name for p in self.params}
        if "ctx" in names:
            return "principal"
        if names & set(CREDENTIALS):
            return "credential"
        if any(str(p.annotation).split(".")[-1] in PROOFS for p in self.params):
            return "proof"
        return "helper"


def _modules() -> Iterator[str]:
    for package in PACKAGES:
        root = importlib.import_module(package)
        yield package
        for found in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
            if found.name not in NOT_USE_CASES and not found.name.endswith("_worker"):
                yield found.name


def _use_cases() -> list[UseCase]:
    out = []
    for module_name in _modules():
        module = importlib.import_module(module_name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module_name or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters.values())
            if params and params[0].name == "svc":
                out.append(UseCase(f"{module_name}.{name}", fn, params[1:]))
    return out


USE_CASES = _use_cases()
WITH_PRINCIPAL = [u for u in USE_CASES if u.kind == "principal" and u.name not in NO_EVIDENCE]


def _referenced_by_the_interfaces() -> set[str]:
    """Every `module.function` of the use-case packages that api/ names."""
    found: set[str] = set()
    for path in (ROOT / "api").rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in PACKAGES:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    try:
                        importlib.import_module(full)
                        modules[alias.asname or alias.name] = full
                    except ImportError:  # a function imported by name
                        found.add(full)
        for node in ast.walk(tree):
            named = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            if named and node.value.id in modules:  # type: ignore[attr-defined]
                found.add(f"{modules[node.value.id]}.{node.attr}")  # type: ignore[attr-defined]
    return found


def test_the_enumeration_finds_the_use_cases_it_must() -> None:
    names = {u.name for u in WITH_PRINCIPAL}
    assert len(names) >= 60
    assert {"archive.custody.retrieval.download", "retention.sweep.run_sweep"} <= names


def test_a_use_case_taking_a_principal_cannot_be_called_without_one() -> None:
    for use_case in WITH_PRINCIPAL:
        [ctx] = [p for p in use_case.params if p.name == "ctx"]
        assert ctx.default is inspect.Parameter.empty, f"{use_case.name}: ctx has a default"
        assert "None" not in str(ctx.annotation), f"{use_case.name}: ctx may be None"


def test_the_interfaces_call_use_cases_never_their_helpers() -> None:
    kinds = {u.name: u.kind for u in USE_CASES}
    called = _referenced_by_the_interfaces()
    helpers = sorted(n for n in called if kinds.get(n) == "helper" and n not in NO_EVIDENCE)
    assert helpers == [], f"api/ calls helpers that check no principal: {helpers}"


# A principal without permissions: a user whose access was revoked.
NOBODY = Context("mallory", "http", "198.51.100.9")


@dataclass
class World:
    svc: Services
    samples: dict[str, Any]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, footage: Path
) -> Iterator[World]:
    """An archive with one of everything a use case may name, and a revoked user."""
    from archive.bootstrap import bootstrap
    from tests.conftest import module_settings

    settings = module_settings(request, tmp_path_factory, "authz")
    tmp = settings.home.parent
    svc = bootstrap(settings, create_database=True)
    users.init_archive(svc, HOST, "ana")
    ana, budi = Context("ana"), Context("budi")
    for name, role in (("budi", "investigator"), ("dodi", "operator"), ("agus", "owner")):
        users.add_user(svc, ana, name, role)
    users.add_user(svc, ana, "mallory", "investigator")
    users.revoke_token(svc, ana, "mallory", reason="left the force")
    cameras.register_camera(
        svc, Context("dodi"), camera_id="SMG-SS-0001", name="Simpang Lima", owner="public",
        district="Semarang Selatan", lat=-6.9903, lon=110.4229,
    )  # fmt: skip
    cameras.register_camera(
        svc, Context("dodi"), camera_id="SMG-PV-0001", name="Toko", owner="private",
        district="Semarang Tengah", owner_user="agus",
    )  # fmt: skip
    cases.open_case(svc, budi, case_id="R-1", kind="report", title="112", members=["dodi"])
    clip = ingest.ingest_file(
        svc, budi, camera_id="SMG-SS-0001", source=footage, reason="112", case_id="R-1"
    )
    start = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)
    request_id = footage_requests.send_request(
        svc, budi, camera_id="SMG-PV-0001", start=start, end=start + timedelta(minutes=5),
        case_id="R-1", reason="fight",
    )["request_id"]  # fmt: skip
    share = shares.create_share(
        svc, budi, recipient="court", expires=timedelta(days=1), view_only=True, case_id="R-1",
        reason="hand-over",
    )  # fmt: skip
    spare = tmp / "spare.mp4"
    shutil.copy(footage, spare)
    samples: dict[str, Any] = {
        "camera_id": "SMG-SS-0001",
        "case_id": "R-1",
        "clip_id": clip["clip_id"],
        "clip_ids": [clip["clip_id"]],
        "request_id": request_id,
        "share_id": share["share_id"],
        "reason": "a reason",
        "why": "a reason",
        "recipient": "Kejaksaan",
        "name": "zed",
        "user": "budi",
        "claimed": "budi",  # the --actor named beside a command's token
        "admin": "ana",
        "role": "investigator",
        "title": "a case",
        "kind": "report",
        "members": [],
        "owner": "public",
        "district": "Semarang Selatan",
        "out": tmp / "out.mp4",
        "path": spare,
        "source": str(spare),
        "boxes": [Box(0, 0, 10, 10)],
        "start": start,
        "end": start + timedelta(minutes=5),
        "near": (-6.9903, 110.4229),
        "radius_m": 300.0,
        "within": timedelta(days=1),
        "keep": timedelta(days=30),
        "expires": timedelta(days=1),
        "retention_class": "report",
        "on": True,
        "index": 0,
        "old": 0,
        "new": 1,
        "job": "retention-sweep",
        "trigger": "cli",
        "work": dict,
        "received_sha256": clip["sha256"],
        "expected_sha256": None,
        "format": "csv",
        "report": {"ok": True, "problems": []},
        "derived_from": None,
        "view_only": True,
        "action": "clip.get",
        "files": [],
        "data": b"camera_id,name,owner,district,rt,lat,lon\n",
        "changes": {"name": "renamed"},
        "fmt": "csv",
        "url": "rtsp://127.0.0.1:554",
        "width": 1,
        "source_root": tmp,
        "base_url": "https://saksi.example",
        "now": datetime.now(UTC),
    }
    yield World(svc, samples)
    svc.close()


# What a use case is about, when it takes one of several (a case or clips, a clip or a case or
# a user): the first of these it has is given, the others left out.
TARGETS = ("case_id", "clip_id", "clip_ids", "user")


def _arguments(use_case: UseCase, samples: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """Valid arguments, so that nothing but the principal can be what refuses the call."""
    args: dict[str, Any] = {}
    names = {p.name for p in use_case.params}
    target = next((t for t in TARGETS if t in names), None)
    for p in use_case.params:
        if p.kind is inspect.Parameter.VAR_KEYWORD or p.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        optional_target = p.name in TARGETS and p.default is not inspect.Parameter.empty
        if p.name == "ctx":
            args["ctx"] = ctx
        elif optional_target and p.name != target:
            continue
        elif p.name in samples:
            args[p.name] = samples[p.name]
        elif p.default is inspect.Parameter.empty:
            raise AssertionError(f"{use_case.name}: add a sample for its parameter {p.name!r}")
    return args


def _call(fn: Callable[..., Any], svc: Services, args: dict[str, Any]) -> Any:
    return fn(svc, **args)  # every parameter by name: none is positional-only


@pytest.mark.parametrize("use_case", WITH_PRINCIPAL, ids=lambda u: u.name)
def test_a_principal_without_permissions_is_refused_by_every_use_case(
    world: World, use_case: UseCase
) -> None:
    args = _arguments(use_case, world.samples, NOBODY)
    with pytest.raises(Refused):
        _call(use_case.fn, world.svc, args)


@pytest.mark.parametrize(
    "use_case", [u for u in USE_CASES if u.kind == "credential"], ids=lambda u: u.name
)
def test_a_made_up_credential_is_refused_by_every_entry_point_that_takes_one(
    world: World, use_case: UseCase
) -> None:
    made_up = {
        "token": "sks_made-up-and-never-issued",
        "session_id": "made-up",
        "code": "made-up-authorization-code",
        "state": "made-up-state",
        "browser": "made-up-browser",
        "client": "198.51.100.9",
        "action": "share.view",
        "target": "api",
        "ranges": [ByteRange(0, 9)],
    }
    args = _arguments(use_case, {**world.samples, **made_up}, NOBODY)
    try:
        answer = _call(use_case.fn, world.svc, args)
    except (Unauthenticated, NotFound, Gone, Refused):
        return
    assert not answer, f"{use_case.name} answered {answer!r} to a made-up credential"


def test_the_host_and_the_system_may_do_only_what_the_table_lists(world: World) -> None:
    from archive.custody import retrieval
    from archive.guard import system_principal

    samples = world.samples
    for stranger in (HOST, system_principal()):
        with pytest.raises(Refused):
            retrieval.download(
                world.svc, stranger, clip_id=samples["clip_id"], out=samples["out"], reason="r"
            )
        with pytest.raises(Refused):
            users.add_user(world.svc, stranger, "eve", "admin")
    assert retrieval.show_clip(world.svc, HOST, samples["clip_id"])["sha256"]
    assert media.probe(Path(samples["source"])).duration_s > 0
