"""The documented walk-through (docs/cli.md, linked from the README) runs as written, with a
real recording and clip id filled in."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from tests.support import cli_tokens

ROOT = Path(__file__).resolve().parents[2]


def walkthrough() -> list[tuple[str, str]]:
    """(command, comment) for each line of the walk-through's shell block."""
    text = (ROOT / "docs" / "cli.md").read_text()
    section = text.split("## Walk-through", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "docs/cli.md's walk-through has a sh block"
    joined = block.group(1).replace("\\\n", " ")
    lines = [line.partition("  #") for line in joined.splitlines() if line.strip()]
    return [(command.strip(), comment) for command, _, comment in lines]


def test_the_documented_walkthrough_runs(tmp_path: Path, footage: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "SAKSI_HOME": str(tmp_path / "walk"),
    }
    for var in ("SAKSI_EVENT_STORE", "SAKSI_OBJECT_STORE", "SAKSI_SIGNING_KEY"):
        env.pop(var, None)
    (tmp_path / "recording.mp4").write_bytes(footage.read_bytes())
    clip_id = None
    tokens = cli_tokens.Tokens()
    for line, comment in walkthrough():
        if line.startswith("export "):
            continue  # PATH and SAKSI_HOME are set above, to this test's folders
        if "CLIP_ID" in line:
            assert clip_id, "the walk-through ingests before it names a clip"
            line = line.replace("CLIP_ID", clip_id)
        # A user's command runs with that user's token, as the person at the keyboard would
        # have set SAKSI_TOKEN to the one `init` / `user add` printed for them.
        args = tuple(shlex.split(line)[1:])
        token = tokens.for_args(args)
        run_env = {**env, "SAKSI_TOKEN": token} if token else env
        done = subprocess.run(
            line, shell=True, cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=120
        )
        tokens.remember(args, done.stdout)
        expected = 2 if "exit 2" in comment else 0  # the page says which lines fail
        assert done.returncode == expected, f"{line}\n{done.stdout}\n{done.stderr}"
        if line.startswith("saksi ingest"):
            clip_id = json.loads(done.stdout)["clip_id"]
