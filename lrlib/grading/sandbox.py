"""Where and how a submission runs: its own folder, HOME and results cache, bounded in memory,
and (where Linux offers Landlock) unable to write outside its folder or read the teacher's files.

This is a fence for honest mistakes and casual tricks on the teacher's own machine. It does not
stop network access, fork bombs or a process that leaves its group by starting its own session:
for marks that count, grade inside the container (see the instructors' page), which adds those.
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Landlock's file-system rights (linux/landlock.h), by the ABI version that introduced them.
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_ABI1_ALL = (1 << 13) - 1  # execute ... make_sym
_REFER, _TRUNCATE = 1 << 13, 1 << 14
_READ = _EXECUTE | _READ_FILE | _READ_DIR
_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446  # the same number on every architecture
_PR_SET_NO_NEW_PRIVS = 38
# What a kernel needs to read besides Python and lrlib: system libraries, fonts, devices, /proc.
_LRLIB = Path(__file__).resolve().parents[1]
_SYSTEM = ("/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/opt", "/proc", "/sys", "/dev", "/run")


@dataclass(frozen=True)
class Sandbox:
    """One submission's folder: ``work`` (its copy, the notebook's working folder), ``home`` (its
    HOME, caches and results store) and ``tmp``."""

    root: Path

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def site(self) -> Path:
        """Holds a link to the grader's lrlib: the kernel imports that one, whichever is installed,
        without reading the folder around it."""
        return self.root / "site"

    def environment(self, profile: str) -> dict[str, str]:
        """The kernel's environment: the grader's PATH and data, nothing else of the teacher's."""
        keep = {name: os.environ[name] for name in ("PATH", "LANG", "LC_ALL", "TF_CPP_MIN_LOG_LEVEL",
                                                     "LRLIB_MNIST_PATH") if name in os.environ}
        return {**keep, "HOME": str(self.home), "TMPDIR": str(self.tmp), "LRLIB_PROFILE": profile,
                "LRLIB_RESULTS_DIR": str(self.home / "lrlib-results"), "XDG_CACHE_HOME": str(self.home / ".cache"),
                "XDG_CONFIG_HOME": str(self.home / ".config"), "MPLCONFIGDIR": str(self.home / ".matplotlib"),
                "JUPYTER_DATA_DIR": str(self.home / ".jupyter-data"), "IPYTHONDIR": str(self.home / ".ipython"),
                "PYTHONPATH": str(self.site), "PYTHONNOUSERSITE": "1"}


def new_sandbox(parent: Path | None = None) -> Sandbox:
    """A fresh, private folder for one submission."""
    sandbox = Sandbox(Path(tempfile.mkdtemp(prefix="lrlib-grade-", dir=parent)))
    for folder in (sandbox.work, sandbox.home, sandbox.tmp, sandbox.site):
        folder.mkdir()
    (sandbox.site / "lrlib").symlink_to(_LRLIB, target_is_directory=True)
    return sandbox


def limit_memory(gigabytes: float | None) -> None:
    """Cap this process's (and its children's) address space. TensorFlow reserves a few GiB of
    address space it never touches, so the cap must leave room for that (4 GiB does not)."""
    if gigabytes:
        limit = int(gigabytes * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def landlock_abi() -> int:
    """Landlock's ABI version on this machine, 0 where it is missing (not Linux, or disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    version = libc.syscall(_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(version, 0)


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def confine(writable: Path, readable: list[Path]) -> bool:
    """Restrict this process and its children: write only below ``writable`` (and devices), read
    only there, in the system's folders and in ``readable``. False where Landlock is missing."""
    abi = landlock_abi()
    if abi == 0:
        return False
    handled = _ABI1_ALL | (_REFER if abi >= 2 else 0) | (_TRUNCATE if abi >= 3 else 0)
    libc = ctypes.CDLL(None, use_errno=True)
    ruleset = ctypes.c_uint64(handled)
    fd = libc.syscall(_CREATE_RULESET, ctypes.byref(ruleset), ctypes.c_size_t(8), ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")
    rules = [(path, _READ) for path in [*map(Path, _SYSTEM), *readable]]
    rules += [(Path("/dev"), _READ | _WRITE_FILE | (_TRUNCATE if abi >= 3 else 0)), (Path("/dev/shm"), handled),
              (writable, handled)]
    try:
        for path, access in rules:
            _allow(libc, fd, path, access & handled)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or libc.syscall(_RESTRICT_SELF, fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(fd)
    return True


def _allow(libc, ruleset: int, path: Path, access: int) -> None:
    if not path.exists():
        return
    if not path.is_dir():  # a file may only carry a file's rights
        access &= _EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE
    parent = os.open(path, os.O_PATH | os.O_CLOEXEC)
    try:
        rule = _PathBeneath(access, parent)
        if libc.syscall(_ADD_RULE, ruleset, 1, ctypes.byref(rule), 0) != 0:
            raise OSError(ctypes.get_errno(), f"landlock_add_rule failed for {path}")
    finally:
        os.close(parent)


def readable_paths() -> list[Path]:
    """What the kernel must read besides the system's folders: Python, its installed packages,
    lrlib and MNIST. Not the other entries of ``sys.path``: an editable install puts the
    teacher's checkout there, and the submissions may sit inside it."""
    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.executable).resolve().parent,
             _LRLIB}
    paths |= {Path(entry).resolve() for entry in sys.path if Path(entry).name in ("site-packages", "dist-packages")}
    if os.environ.get("LRLIB_MNIST_PATH"):
        paths.add(Path(os.environ["LRLIB_MNIST_PATH"]).expanduser().resolve())
    return sorted(path for path in paths if path.exists())
