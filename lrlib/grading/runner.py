"""Execute one submission inside its sandbox: ``python -m lrlib.grading.runner SPEC.json``.

The grader starts this process in a new session and kills its group, and the kernel's, at the
notebook's limit. The runner confines itself first (memory, Landlock), so the kernel it starts
inherits the fence; it tells the grader the kernel's process group through a pipe before any
student code runs, then runs the cells until shortly before the limit (interrupting the cell
then running), and last a cell that prints the answers given to the checks as JSON.
Everything it writes is data the grader validates: the student's code runs beside it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat

from . import sandbox as fence

REPORT_MARK = "LRLIB-ANSWERS "
# A notebook that never imported the checks gave no answers: it is not made to import TensorFlow now.
REPORT_CELL = f"""\
import json as _json, os as _os, sys as _sys
if "lrlib.checks._core" in _sys.modules:
    from lrlib.grading.answers import report as _lrlib_report
    print({REPORT_MARK!r} + _lrlib_report())
else:
    print({REPORT_MARK!r} + _json.dumps({{"profile": _os.environ.get("LRLIB_PROFILE", ""), "answers": {{}}}}))"""


def reserve(limit: float) -> float:
    """Seconds kept back from the notebook's limit to interrupt a cell and report the answers."""
    return min(60.0, limit / 4)


def main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text())
    started = time.monotonic()
    box = fence.Sandbox(Path(spec["root"]))
    fence.limit_memory(spec["memory_gb"])
    confined = fence.confine(box.root, [Path(p) for p in spec["readable"]]) if spec["confine"] else False
    notebook = nbformat.read(box.work / spec["notebook"], as_version=4)
    executed = box.root / "executed.ipynb"
    ran = _execute(notebook, box, spec, started, int(spec["control_fd"]), executed)
    notebook.metadata["lrlib_grading"] = {**ran, "confined": confined}
    _save(notebook, executed)
    return 0


def _save(notebook, path: Path) -> None:
    """Write ``notebook`` as a new file at ``path``: never through a link the student's code left
    there (to the teacher's files, say), even where Landlock is missing."""
    path.unlink(missing_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:  # something raced in between: the grader finds no notebook, not a wrong one
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        nbformat.write(notebook, file)


def _execute(notebook, box, spec: dict, started: float, control_fd: int, executed: Path) -> dict:
    from nbclient import NotebookClient

    limit = float(spec["limit"])
    stop_cells_at = started + limit - reserve(limit)
    client = NotebookClient(notebook, timeout=int(limit), allow_errors=True, interrupt_on_timeout=True,
                            error_on_timeout={"ename": "Timeout", "evalue": "the notebook reached its time limit",
                                              "traceback": []},
                            kernel_name="python3", resources={"metadata": {"path": str(box.work)}})
    cells = len(notebook.cells)
    ran = {"cells": cells, "cells run": 0, "stopped": False}
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT_CELL))
    with client.setup_kernel(env=box.environment(spec["profile"]), cwd=str(box.work)):
        os.write(control_fd, f"{client.km.provisioner.pgid}\n".encode())
        os.close(control_fd)
        for index in range(cells):
            left = stop_cells_at - time.monotonic()
            if left < 1:
                break
            client.timeout = int(left)
            client.execute_cell(notebook.cells[index], index)
            ran["cells run"] = index + 1
            _save(notebook, executed)  # what a kill at the limit leaves for the teacher
        ran["stopped"] = ran["cells run"] < cells or time.monotonic() >= stop_cells_at
        client.timeout = max(1, int(reserve(limit)) - 3)
        client.execute_cell(notebook.cells[-1], cells)
    return ran


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
