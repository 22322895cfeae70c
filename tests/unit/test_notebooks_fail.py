"""A broken pipeline function makes a notebook fail: the notebooks really exercise the package.

The quick-start notebook runs under nbval exactly as `make notebooks` runs it, except that a
`sitecustomize` module on PYTHONPATH (loaded by every Python process started, the notebook's
kernel included) replaces `render_storyboard` with a function that raises. No hook in the
package: the break is an ordinary monkeypatch made from outside.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "01_quickstart.ipynb"
SENTINEL = "render_storyboard broken on purpose"
SITECUSTOMIZE = f"""
import genscene.pipeline.render


async def broken_render_storyboard(*args, **kwargs):
    raise RuntimeError({SENTINEL!r})


genscene.pipeline.render.render_storyboard = broken_render_storyboard
"""


def render_cell_number() -> int:
    """Return nbval's number for the notebook's code cell that awaits render_storyboard."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    sources = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    return next(n for n, source in enumerate(sources) if "await render_storyboard(" in source)


def test_quickstart_notebook_with_broken_render_fails_at_the_render_cell(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    path = [str(tmp_path), *filter(None, [os.environ.get("PYTHONPATH")])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    nbval = ["--nbval-lax", "--nbval-current-env", str(NOTEBOOK.relative_to(REPO))]
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rf",
            "--color=no",
            "-p",
            "no:cacheprovider",
            *nbval,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert SENTINEL in output
    failed = [int(n) for n in re.findall(r"^FAILED \S+::Cell (\d+)", proc.stdout, re.MULTILINE)]
    # Every cell before the render passed; the render cell is the first to fail.
    assert failed and min(failed) == render_cell_number(), output
    passed = re.search(r"(\d+) passed", proc.stdout)
    assert passed is not None and int(passed.group(1)) >= render_cell_number(), output
