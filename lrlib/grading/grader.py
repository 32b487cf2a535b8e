"""Grade a folder of submissions for one chapter, with scores computed here, never in the kernel.

Each submission runs in its own sandbox (``sandbox``) under ``runner``, bounded by a wall-clock
limit per notebook; the answers it gave its checks come back as data (``answers``), and this
process judges them against the expected answers it computes itself, in the teacher's profile.
The chapter is the teacher's choice, so its exercise list is the denominator and the CSV's
columns are the same for every row, whatever a notebook checks, names or writes in its metadata.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from .. import checks, validation
from ..profiles import get_profile
from . import answers as data
from . import runner, sandbox as fence

MAX_NOTEBOOK_BYTES = 50 * 2**20  # an executed notebook larger than this is not read back


@dataclass(frozen=True)
class Grade:
    """One submission's row."""

    student: str
    notebook: str
    chapter: str
    status: str  # "ok", "errors in N cells", "stopped at the notebook limit ...", "killed at ...", ...
    passed: dict[str, bool]  # every exercise of the chapter, in the book's order
    profile: str = ""  # the profile the notebook ended in, as it reported it ("" when it never did)
    seconds: float = 0.0
    first_error: str = ""
    executed: str = ""  # the executed notebook, beside the CSV

    @property
    def score(self) -> int:
        return sum(self.passed.values())

    @property
    def out_of(self) -> int:
        return len(self.passed)


@dataclass
class Grader:
    """Grades submissions of ``chapter`` in ``profile``; each notebook may run ``limit`` seconds
    in at most ``memory_gb`` GiB of address space (None: no cap)."""

    chapter: str
    profile: str = "quick"
    limit: int = 600
    memory_gb: float | None = 8.0
    confine: bool = True
    _expected: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        self.chapter = chapter_named(self.chapter)
        self.profile = get_profile(self.profile).name
        self.limit = validation.integer("limit", self.limit, minimum=5)
        if self.memory_gb is not None:
            self.memory_gb = validation.number("memory_gb", self.memory_gb, minimum=1)
        self.exercises = [check.exercise for check in checks.checks_of(self.chapter)]

    def expected_answers(self) -> None:
        """Compute each exercise's answer once, here, before any submission runs."""
        saved = os.environ.get("LRLIB_PROFILE")
        os.environ["LRLIB_PROFILE"] = self.profile  # the checks read their profile from here
        try:
            for check in checks.checks_of(self.chapter):
                self._expected[check.exercise] = check.expected()
        finally:
            if saved is None:
                del os.environ["LRLIB_PROFILE"]
            else:
                os.environ["LRLIB_PROFILE"] = saved

    def judge(self, given: dict) -> dict[str, bool]:
        """Each exercise of the chapter: is the answer the notebook gave right? (Others are ignored.)"""
        if not self._expected:
            self.expected_answers()
        passed = {}
        for check in checks.checks_of(self.chapter):
            try:
                answer = data.decode(given[check.exercise])
            except (KeyError, data.Malformed):
                passed[check.exercise] = False
                continue
            problem, difference = check.compare(answer, self._expected[check.exercise])
            passed[check.exercise] = problem is None and difference is None
        return passed

    def grade(self, path: Path, kept: Path) -> Grade:
        """Run one submission in a fresh sandbox, keep its executed notebook in folder ``kept``."""
        path = Path(path)
        student = student_of(path, self.chapter)
        row = dict(student=student, notebook=path.name, chapter=self.chapter)
        blank = dict.fromkeys(self.exercises, False)
        try:
            nbformat.read(path, as_version=4)
        except Exception as error:  # a broken file is a row, not a crash
            return Grade(**row, status=f"unreadable: {type(error).__name__}", passed=blank)
        box = fence.new_sandbox()
        try:
            shutil.copyfile(path, box.work / path.name)
            started = time.monotonic()
            killed = self._run(box, path.name)
            seconds = round(time.monotonic() - started, 1)
            kept.mkdir(parents=True, exist_ok=True)
            target = kept / path.name
            target.unlink(missing_ok=True)
            executed = _plain_file(box.root / "executed.ipynb", MAX_NOTEBOOK_BYTES)
            if executed:
                target.write_bytes(executed)
            reading = _read_executed(target if executed else None)
            log = _plain_file(box.root / "runner.log", 2**20)[-2000:].decode(errors="replace")
        finally:
            shutil.rmtree(box.root, ignore_errors=True)
        passed = self.judge(reading["answers"])
        status = _status(reading, killed, self.limit, log, self.profile)
        return Grade(**row, status=status, passed=passed, profile=reading["profile"], seconds=seconds,
                     first_error=reading["first error"], executed=str(target) if target.is_file() else "")

    def _run(self, box: fence.Sandbox, name: str) -> bool:
        """Run the runner on ``name`` until done or the limit; True when it had to be killed."""
        read_end, write_end = os.pipe()
        spec = {"root": str(box.root), "notebook": name, "profile": self.profile, "limit": self.limit,
                "memory_gb": self.memory_gb, "confine": self.confine, "control_fd": write_end,
                "readable": [str(p) for p in fence.readable_paths()]}
        (box.root / "spec.json").write_text(json.dumps(spec))
        with (box.root / "runner.log").open("wb") as log:
            process = subprocess.Popen([sys.executable, "-m", "lrlib.grading.runner", str(box.root / "spec.json")],
                                       cwd=box.work, env=box.environment(self.profile), stdin=subprocess.DEVNULL,
                                       stdout=log, stderr=subprocess.STDOUT, pass_fds=(write_end,),
                                       start_new_session=True)
        os.close(write_end)
        deadline, kernel_group, told, listening = time.monotonic() + self.limit, None, b"", True
        try:
            while process.poll() is None and time.monotonic() < deadline:
                if not listening:  # the pipe has said all it will: a closed pipe is always "ready"
                    time.sleep(0.2)
                    continue
                ready, _, _ = select.select([read_end], [], [], 0.2)
                if not ready:
                    continue
                chunk = os.read(read_end, 64)
                told += chunk
                if b"\n" in told:  # written before any student code ran: trusted
                    kernel_group, listening = int(told.split(b"\n")[0]), False
                elif not chunk:  # closed without a word (the runner failed early)
                    listening = False
            killed = process.poll() is None
        finally:
            os.close(read_end)
            for group in (process.pid, kernel_group):  # the runner's group, then the kernel's and its children
                if group:
                    try:
                        os.killpg(group, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
            process.wait()
        return killed


def _plain_file(path: Path, limit: int) -> bytes:
    """The bytes of a file the sandbox wrote, if it is a plain file of at most ``limit`` bytes: a
    link (to the teacher's files, say) or a device (/dev/zero, read forever) gives nothing."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return b""
    with os.fdopen(descriptor, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return b""
        return file.read(limit)


def _read_executed(path: Path | None) -> dict:
    """What the executed notebook says: the answers (the last cell, the runner's), the profile, the
    first error and how the run went. The notebook is the student's data: bounded, never trusted."""
    reading = {"answers": {}, "profile": "", "first error": "", "errors": 0, "ran": {}}
    if path is None:
        return reading
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception:
        return reading
    ran = notebook.metadata.get("lrlib_grading", {})
    reading["ran"] = ran if isinstance(ran, dict) else {}
    student_cells = notebook.cells[:-1] if reading["ran"] else notebook.cells
    for cell in student_cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                reading["errors"] += 1
                if not reading["first error"]:
                    reading["first error"] = ": ".join(str(part) for part in (output.get("ename"), output.get("evalue"))
                                                       if part)[:200]
                break
    last = notebook.cells[-1] if reading["ran"] and notebook.cells else {}
    for output in last.get("outputs", []):
        for line in str(output.get("text", "")).splitlines():
            if line.startswith(runner.REPORT_MARK) and not reading["answers"]:  # the runner's print comes first
                try:
                    report = json.loads(line[len(runner.REPORT_MARK):])
                except ValueError:
                    continue
                if isinstance(report, dict) and isinstance(report.get("answers"), dict):
                    reading["answers"] = report["answers"]
                    reading["profile"] = str(report.get("profile", ""))[:20]
    return reading


def _status(reading: dict, killed: bool, limit: int, log: str, profile: str) -> str:
    ran = reading["ran"]
    parts = []
    if killed:
        parts.append(f"killed at the notebook limit ({limit} s)")
    elif not ran:
        lines = [line for line in log.splitlines() if line.strip()]
        parts.append(f"failed: {lines[-1][:200] if lines else 'the runner stopped without a word'}")
    elif ran.get("stopped"):
        parts.append(f"stopped at the notebook limit ({limit} s) after {ran.get('cells run')} of {ran.get('cells')} cells")
    if reading["errors"]:
        parts.append(f"errors in {reading['errors']} cell{'s' if reading['errors'] > 1 else ''}")
    if reading["profile"] and reading["profile"] != profile:
        parts.append(f"ran in profile {reading['profile']!r}, graded in {profile!r}")
    return "; ".join(parts) or "ok"


def chapter_named(chapter: str) -> str:
    """A chapter with exercises, by its notebook's name or its number ("11")."""
    known = sorted({check.chapter for check in checks.all_checks().values()})
    found = [name for name in known if name == str(chapter) or name.split("_")[0] == str(chapter).zfill(2)]
    if len(found) != 1:
        raise ValueError(f"Argument `chapter` must be a chapter with exercises ({', '.join(known)}) or its number. "
                         f"Received: chapter={chapter!r}")
    return found[0]


def student_of(path: Path, chapter: str) -> str:
    """The student a file belongs to: its name without the chapter's name ("ana_11_how_....ipynb",
    "11_how_..._ana.ipynb" and "ana.ipynb" are all "ana")."""
    name = Path(path).stem.replace(chapter, "").strip(" _-.")
    return name or Path(path).stem
