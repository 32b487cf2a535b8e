"""Train many runs at once: worker processes on this machine, or tasks on a Ray cluster.

Every run of the book is independent and keyed in the results store, so reproducing the book
is an embarrassingly parallel job, and two existing engines schedule it: the standard library's
``concurrent.futures.ProcessPoolExecutor`` (``python -m lrlib reproduce --jobs N``) and Ray
(``--ray [ADDRESS]``, the optional extra ``lrlib[ray]``). lrlib only orders the runs (longest
first), tries a failed run once more, and stores what comes back.

Workers never write to a store. Each returns its record as a dict; the driver (the process
that called ``train_all``) checks it and saves it atomically (``ResultStore.save``) as soon as it
arrives, so a finished run is never lost, and running again resumes with what is missing.

A worker gives the same numbers as the main process, to the last bit: it keeps TensorFlow's
default count of intra-op threads, as the main process does, because on a CPU TensorFlow's sums
depend on how many threads share one operation (measured: tiny profile, Adam 0.01, first-epoch
loss 2.906888723 with two threads, 2.906889200 with one). What a worker gets as its share of the
cores is its inter-op threads (how many operations run side by side), which leaves the numbers
as they are; the operating system shares the cores between the workers' operations.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import logging
import multiprocessing
import os
import signal
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tqdm.auto import tqdm

from . import validation
from .data import MNIST_FINGERPRINT, describe_data
from .experiment import Experiment
from .range_test import RangeTestPlan, train_range_test
from .results import Result, ResultsNotWritableError, ResultStore, not_stored
from .training import MissingResultError, profile_data, steps_per_epoch, stored_only, train

RETRIES = 1  # a failed run is tried once more; a second failure is reported and skipped
# Ray itself waits minutes on an address where nothing answers, or something other than Ray does.
CONNECT_TIMEOUT_S = 10.0  # to connect and to hear Ray's protocol, together
HTTP2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
HTTP2_SETTINGS = 0x04  # the type of the frame an HTTP/2 server sends first
PARENT_POLL_S = 1.0  # how often a worker checks that its driver still lives
WORKER_MEMORY_GIB = 1.0  # what one worker holds: TensorFlow and one full-profile run
# Runs in flight on a Ray cluster: whatever its size, the whole catalogue is about 200 runs.
CLUSTER_JOB_LIMIT = (10_000, "more runs at once than the whole catalogue holds are never needed")


class EngineError(RuntimeError):
    """An engine cannot be used: Ray is not installed, or no cluster answers at an address."""


class RunFailed(Exception):
    """A run raised, its worker died, or what it returned cannot be stored; says why."""


@dataclasses.dataclass(frozen=True)
class Task:
    """One run to train: ``spec`` (an ``Experiment`` or a ``RangeTestPlan``), the catalogue
    group it belongs to (for messages), and which attempt this is."""

    spec: Experiment | RangeTestPlan
    group: str = ""
    attempt: int = 1

    @property
    def label(self) -> str:
        return f"{self.group}: {self.spec.label()}" if self.group else self.spec.label()


@dataclasses.dataclass(frozen=True)
class Failure:
    """A task that failed on every attempt, and the last reason."""

    task: Task
    reason: str


def cost(spec: Experiment | RangeTestPlan) -> int:
    """Optimizer steps ``spec`` takes at most (its epochs times its steps per epoch; a range
    test's steps): the order ``train_all`` starts runs in, longest first."""
    if isinstance(spec, RangeTestPlan):
        return spec.steps
    return spec.effective_epochs * steps_per_epoch(spec)


def job_count(value: Any, limit: tuple[int, str] | None = None) -> int:
    """``--jobs``'s value (a text or a number) as a count >= 1 and, given ``limit`` (a count and
    why), at most that; the error quotes the value."""
    if isinstance(value, str):
        with contextlib.suppress(ValueError):  # not an integer: validation.integer says so
            value = int(value)
    jobs = validation.integer("jobs", value, minimum=1)
    if limit is not None and jobs > limit[0]:
        raise ValueError(f"Argument `jobs` must be <= {limit[0]}: {limit[1]}. Received: jobs={jobs!r}")
    return jobs


def local_job_limit() -> tuple[int, str]:
    """The most workers this machine can hold, and why: no more than its cores (or GPUs), whose
    time the workers share, nor than its free memory holds at ``WORKER_MEMORY_GIB`` each."""
    cores, gpus, memory = cpu_cores(), gpu_count(), available_memory_gib()
    limit = max(cores, gpus)
    why = f"this machine has {cores} CPU cores" + (f" and {gpus} GPUs" if gpus else "")
    if memory is not None:
        limit = min(limit, int(memory // WORKER_MEMORY_GIB))
        why += (f", and {memory:.1f} GiB of free memory for workers of about {WORKER_MEMORY_GIB:g} GiB each "
                "(TensorFlow and one run)")
    return max(limit, 1), why + "; more workers would only compete for them"


def available_memory_gib() -> float | None:
    """Memory free for new processes (Linux's MemAvailable), in GiB; ``None`` where unknown."""
    with contextlib.suppress(OSError, ValueError):
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) / 2**20  # kB
    with contextlib.suppress(AttributeError, ValueError, OSError):
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
    return None


# --- what a worker does -----------------------------------------------------------------------

def spec_to_dict(spec: Experiment | RangeTestPlan) -> dict[str, Any]:
    """A picklable, engine-neutral description of ``spec``; ``spec_from_dict`` inverts it."""
    return {"kind": getattr(spec, "kind", "experiment"), "spec": spec.to_dict()}


def spec_from_dict(data: dict[str, Any]) -> Experiment | RangeTestPlan:
    return (RangeTestPlan if data["kind"] == RangeTestPlan.kind else Experiment).from_dict(data["spec"])


def train_record(spec_data: dict[str, Any]) -> dict[str, Any]:
    """Train the run ``spec_data`` describes, silently, and return its record as a dict (the
    driver stores it). What every worker runs."""
    spec = spec_from_dict(spec_data)
    record = train_range_test(spec) if isinstance(spec, RangeTestPlan) else train(spec, verbose=False)
    return record.to_dict()


def configure_tensorflow(inter_op_threads: int | None, gpu: int | None) -> None:
    """Let this process run ``inter_op_threads`` operations side by side and see only GPU
    number ``gpu`` (``None``: TensorFlow's default). Intra-op threads stay TensorFlow's default:
    their number changes the last digits of the results. TensorFlow takes these settings only
    before its first operation; a worker that already trained keeps its first run's, the same."""
    import tensorflow as tf

    with contextlib.suppress(RuntimeError):
        if inter_op_threads is not None:
            tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads)
        gpus = tf.config.list_physical_devices("GPU")
        if gpu is not None and gpu < len(gpus):
            tf.config.set_visible_devices(gpus[gpu], "GPU")
            # Several workers may share a GPU (more jobs than GPUs): none may take all its memory.
            tf.config.experimental.set_memory_growth(gpus[gpu], True)


def _start_worker(inter_op_threads: int | None, gpu: int | None, driver: int | None = None) -> None:
    _exit_with(driver)
    # Ctrl-C is the driver's to handle: it stops the workers itself, without their tracebacks.
    # The worker was started with it blocked (_interrupts_held_back): ignore it, then let it in.
    with contextlib.suppress(ValueError):  # not the main thread
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    configure_tensorflow(inter_op_threads, gpu)


def _exit_with(driver: int | None) -> None:
    """End this worker as soon as ``driver``, its parent, is gone: a driver killed with SIGKILL
    stops no one, and each orphan would hold about 1 GB for ever. A thread polls the parent's
    PID (portable, unlike Linux's parent-death signal); ``os._exit`` does not wait for the run."""
    if driver is None:
        return

    def watch() -> None:
        while os.getppid() == driver:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch, name="lrlib-exit-with-driver", daemon=True).start()


def _on_ray(work: Callable[[dict], dict], spec_data: dict[str, Any], inter_op_threads: int | None) -> dict[str, Any]:
    """A Ray task: the task's share of threads, the GPU Ray gave it, then ``work``."""
    configure_tensorflow(inter_op_threads, _ray_gpu())
    return work(spec_data)


def _ray_gpu() -> int | None:
    """The GPU Ray assigned to this task, as TensorFlow numbers it; ``None`` when TensorFlow
    already sees only that one (Ray set ``CUDA_VISIBLE_DEVICES`` before TensorFlow started)."""
    import ray
    import tensorflow as tf

    assigned = ray.get_gpu_ids()
    if not assigned or len(tf.config.list_physical_devices("GPU")) <= 1:
        return None
    return int(assigned[0])


# --- engines ----------------------------------------------------------------------------------

def cpu_cores() -> int:
    """CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def gpu_count() -> int:
    """GPUs TensorFlow sees here (listing them does not start TensorFlow's runtime)."""
    import tensorflow as tf

    return len(tf.config.list_physical_devices("GPU"))


class ProcessEngine:
    """``jobs`` worker processes on this machine, each a one-worker ``ProcessPoolExecutor``
    (spawned, so that no TensorFlow state is forked): a worker that dies takes down only its
    own run, which is then known. Worker ``i`` gets ``cores // jobs`` inter-op threads, and GPU
    ``i % gpus`` when there are GPUs. Workers start when first needed and serve run after run."""

    def __init__(self, jobs: int, work: Callable[[dict], dict] = train_record):
        self.jobs = job_count(jobs, local_job_limit())
        self.work = work
        self.gpus = gpu_count()
        self.threads = max(cpu_cores() // self.jobs, 1)
        self.capacity: int | None = self.jobs
        self._executors: list[concurrent.futures.ProcessPoolExecutor | None] = [None] * self.jobs
        self._slots: dict[concurrent.futures.Future, int] = {}

    @property
    def description(self) -> str:
        each = f", one of {self.gpus} GPUs each" if self.gpus else ""
        return f"{self.jobs} worker process{'es' if self.jobs > 1 else ''} on {cpu_cores()} CPU cores{each}"

    def __enter__(self) -> ProcessEngine:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            self.cancel()
        self.close()

    def submit(self, spec: Experiment | RangeTestPlan) -> concurrent.futures.Future:
        slot = next(i for i in range(self.jobs) if i not in self._slots.values())
        if self._executors[slot] is None:
            gpu = slot % self.gpus if self.gpus else None
            self._executors[slot] = concurrent.futures.ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                initargs=(self.threads, gpu, os.getpid()))
        with _interrupts_held_back():  # the worker is spawned here, and inherits the block
            future = self._executors[slot].submit(self.work, spec_to_dict(spec))
        self._slots[future] = slot
        return future

    def result(self, future: concurrent.futures.Future) -> dict[str, Any]:
        slot = self._slots.pop(future)
        try:
            return future.result()
        except BrokenProcessPool:
            executor, self._executors[slot] = self._executors[slot], None
            codes = [process.exitcode for process in _processes(executor, join_s=5.0)]
            executor.shutdown(wait=False)
            known = [str(code) for code in codes if code is not None]
            raise RunFailed(f"its worker process died (exit code {', '.join(known) or 'unknown'})") from None
        except Exception as error:
            raise RunFailed(f"{type(error).__name__}: {error}") from None

    def cancel(self) -> None:
        """Stop every worker now; the runs they were training are lost (and never stored)."""
        for executor in filter(None, self._executors):
            if hasattr(executor, "terminate_workers"):  # Python 3.14
                executor.terminate_workers()
            else:
                for process in _processes(executor):
                    process.terminate()
        self._slots.clear()

    def close(self) -> None:
        for i, executor in enumerate(self._executors):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)
                self._executors[i] = None


def _processes(executor: concurrent.futures.ProcessPoolExecutor, join_s: float = 0.0) -> list:
    """The executor's worker processes. Before Python 3.14 there is no public way to reach them
    (to stop them, or to read a dead one's exit code), so this reads ``_processes``."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    deadline = time.monotonic() + join_s
    for process in processes:
        # The executor's own thread may reap the process first; its exit code is then set a
        # moment later, so one join that returns early can still read None: poll until the deadline.
        while process.exitcode is None and time.monotonic() < deadline:
            process.join(0.05)
    return processes


@contextlib.contextmanager
def _interrupts_held_back():
    """Block Ctrl-C in this thread while a worker may be spawned: the worker starts with it
    blocked, even while it imports TensorFlow, until ``_start_worker`` ignores it for good. This
    process loses none: one that comes meanwhile is delivered when the block ends (or at once,
    through another of its threads). Ignoring it here instead would drop it."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no such signal to hold back
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class RayEngine:
    """Each run a Ray task: on a local Ray started now (``address="local"``, with ``jobs``
    CPUs when given) or on the running cluster at ``address`` (``host:port``,
    ``ray://host:port``, or ``auto``). Each task asks for one CPU, and one GPU when the cluster
    has GPUs; at most ``jobs`` runs are in flight when given, else as many as Ray takes. A Ray
    already initialized in this process is used as it is, and left running."""

    def __init__(self, address: str = "local", jobs: int | None = None, work: Callable[[dict], dict] = train_record):
        self.address = address
        if jobs is not None:  # a local Ray starts a worker per CPU it is given: the local limit
            jobs = job_count(jobs, local_job_limit() if address == "local" else CLUSTER_JOB_LIMIT)
        self.jobs = jobs
        self.capacity = self.jobs
        self.work = work
        self._ray = import_ray(address)
        self._refs: dict[concurrent.futures.Future, Any] = {}
        self._owned = False
        self.description = "Ray"

    def __enter__(self) -> RayEngine:
        ray = self._ray
        if not ray.is_initialized():
            _check_reachable(self.address)
            options: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
            if self.address == "local":
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no report home from a course tool
                options.update(include_dashboard=False, num_cpus=self.jobs)
            try:
                ray.init(address=self.address, **options)
            except Exception as error:
                with contextlib.suppress(Exception):
                    ray.shutdown()
                raise EngineError(f"Argument `ray` must name a Ray cluster that can be joined; joining failed "
                                  f"({type(error).__name__}: {error}). Received: ray={self.address!r}") from None
            self._owned = True
        resources = ray.cluster_resources()
        cpus, gpus = int(resources.get("CPU", 0)), int(resources.get("GPU", 0))
        self._task = ray.remote(_on_ray).options(num_cpus=1, num_gpus=1 if gpus else 0, max_retries=0,
                                                 retry_exceptions=False)
        self._threads = 1  # its one CPU
        where = "a local Ray" if self.address == "local" and self._owned else f"the Ray cluster at {self.address}"
        self.description = f"{where} ({cpus} CPUs{f', {gpus} GPUs: one per run' if gpus else ''})"
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is not None:
            self.cancel()
        if self._owned:
            self._ray.shutdown()
            self._owned = False

    def submit(self, spec: Experiment | RangeTestPlan) -> concurrent.futures.Future:
        ref = self._task.remote(self.work, spec_to_dict(spec), self._threads)
        future = ref.future()
        self._refs[future] = ref
        return future

    def result(self, future: concurrent.futures.Future) -> dict[str, Any]:
        self._refs.pop(future, None)
        exceptions = self._ray.exceptions
        try:
            return future.result()
        except exceptions.RayTaskError as error:
            cause = error.cause if getattr(error, "cause", None) is not None else error
            raise RunFailed(f"{type(cause).__name__}: {cause}") from None
        except (exceptions.WorkerCrashedError, exceptions.NodeDiedError, exceptions.RayError) as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise RunFailed(f"its Ray worker died ({type(error).__name__}{': ' + reason if reason else ''})") from None

    def cancel(self) -> None:
        for ref in self._refs.values():
            with contextlib.suppress(Exception):
                self._ray.cancel(ref, force=True)
        self._refs.clear()


def import_ray(address: str):
    """The ``ray`` module, or an ``EngineError`` saying how to install it."""
    try:
        import ray
    except ImportError as error:
        raise EngineError(f"Argument `ray` needs Ray, an optional extra of lrlib: pip install 'lrlib[ray]' "
                          f"({error}). Received: ray={address!r}") from None
    return ray


def _check_reachable(address: str, timeout_s: float = CONNECT_TIMEOUT_S) -> None:
    """An ``EngineError`` unless something answers at ``address`` (``local`` and ``auto`` are
    Ray's own to resolve)."""
    if address in ("local", "auto"):
        return
    parts = urllib.parse.urlsplit(address if "://" in address else f"//{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if not host or port is None:
        raise EngineError("Argument `ray` must be host:port, ray://host:port or auto, or be left out to start "
                          f"a local Ray. Received: ray={address!r}")
    deadline = time.monotonic() + timeout_s
    try:
        connection = socket.create_connection((host, port), timeout=timeout_s)
    except OSError as error:
        raise EngineError(f"Argument `ray` must be the address of a running Ray cluster, but nothing answers at "
                          f"{host}:{port} ({type(error).__name__}: {error}). Received: ray={address!r}") from None
    with connection:
        answer = _first_frame(connection, deadline)
    # Ray's head (and its client server) speak gRPC, that is HTTP/2, whose server opens with a
    # SETTINGS frame (RFC 9113, 3.4). Anything else there (a web server, say) would keep
    # ray.init waiting for many minutes.
    if len(answer) < 9 or answer[3] != HTTP2_SETTINGS:
        said = f"it sent {answer[:24]!r}" if answer else f"it sent nothing within {timeout_s:g} s"
        raise EngineError(f"Argument `ray` must be the address of a running Ray cluster, but what answers at "
                          f"{host}:{port} is not Ray: it does not speak gRPC ({said}). Received: ray={address!r}")


def _first_frame(connection: socket.socket, deadline: float) -> bytes:
    """The first 9 bytes (an HTTP/2 frame header) the server sends after the HTTP/2 preface,
    or what came before it closed or ``deadline`` passed."""
    answer = b""
    with contextlib.suppress(OSError):  # a reset, or the time is up: judged by what came
        connection.sendall(HTTP2_PREFACE)
        while len(answer) < 9 and (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            chunk = connection.recv(9 - len(answer))
            if not chunk:
                break
            answer += chunk
    return answer


# --- the driver -------------------------------------------------------------------------------

def train_all(tasks: Iterable[Task], engine, store: ResultStore, bar: tqdm | None = None,
              write: Callable[[str], None] = tqdm.write) -> list[Failure]:
    """Train ``tasks`` on ``engine`` (entered), longest first, storing each record in ``store``
    as it arrives. A run that fails, or whose worker dies, is reported and tried once more;
    returns those that failed every time. On an interrupt, every run in flight is stopped and
    nothing of it is stored. ``bar`` advances once per task done."""
    queue = collections.deque(sorted(tasks, key=lambda task: cost(task.spec), reverse=True))
    if queue and stored_only():
        raise MissingResultError(queue[0].spec)
    running: dict[concurrent.futures.Future, Task] = {}
    failures = []
    try:
        while queue or running:
            while queue and (engine.capacity is None or len(running) < engine.capacity):
                task = queue.popleft()
                running[engine.submit(task.spec)] = task
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                try:
                    record = checked_record(task.spec, engine.result(future))
                except RunFailed as failure:
                    if task.attempt <= RETRIES:
                        write(f"{task.label}: failed, trying it once more: {failure}")
                        queue.appendleft(dataclasses.replace(task, attempt=task.attempt + 1))
                        continue
                    write(f"{task.label}: failed again, not stored: {failure}")
                    failures.append(Failure(task, str(failure)))
                else:
                    try:
                        store.save(record)
                    except OSError as error:  # the folder became unwritable: every later run would be lost too
                        raise ResultsNotWritableError(
                            f"{not_stored(task.spec.label(), store, error)}. The runs in flight are stopped; every "
                            "run finished before is stored: make the folder writable and run again to resume.") \
                            from None
                    write(f"{task.label}: {summary(record)}")
                if bar is not None:
                    bar.update()
    except BaseException:
        engine.cancel()
        raise
    return failures


def checked_record(spec: Experiment | RangeTestPlan, data: dict[str, Any]):
    """The record a worker returned for ``spec``, once it reads back, belongs to ``spec`` and
    was trained on the real MNIST or on this machine's data; else ``RunFailed``."""
    record_type = Result if isinstance(spec, Experiment) else spec.record_type()
    try:
        record = record_type.from_dict(data)
    except Exception as error:
        raise RunFailed(f"what it returned cannot be read ({type(error).__name__}: {error})") from None
    if record.spec != spec:
        raise RunFailed(f"it returned the record of another run ({record.spec.label()})")
    here = profile_data(spec.profile)
    if record.data_fingerprint not in (MNIST_FINGERPRINT, here.fingerprint):
        raise RunFailed(f"it was trained on other data ({record.provenance.get('data_source')}) than this "
                        f"machine's ({here.source}): give the workers the same MNIST file (LRLIB_MNIST_PATH)")
    return record


def summary(record) -> str:
    """One line on a stored record: test scores and outcome, or a range test's steps."""
    if isinstance(record, Result):
        return (f"test loss {record.test_loss:.4f} / test accuracy {record.test_accuracy:.4f} / "
                f"{record.outcome.kind} ({record.wall_time_s:.0f} s, {record.data_description})")
    return (f"{len(record.test.rates)} steps, {record.test.stop_reason} ({record.test.wall_time_s:.0f} s, "
            f"{describe_data(record.data_fingerprint, record.provenance.get('data_source'))})")
