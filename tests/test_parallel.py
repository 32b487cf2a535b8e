"""python -m lrlib reproduce --jobs N / --ray: worker processes and Ray tasks (issue 14).

Most tests drive ``parallel.train_all`` and the command line through an in-process engine whose
"worker" makes a record without training, so that ordering, retries, failures and the order of
the groups are checked in milliseconds. The others train the tiny profile in real worker
processes and on a local Ray cluster of 2 CPUs: the numbers are those of the main process, a
dead worker's run is retried, Ctrl-C stops the workers and keeps every finished run.
"""

import concurrent.futures
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lrlib import Experiment, cli, parallel
from lrlib.catalog import scenarios
from lrlib.data import MNIST_FINGERPRINT
from lrlib.range_test import RangeTestPlan
from lrlib.results import ResultStore, find_stored
from lrlib.training import train

TESTS = Path(__file__).resolve().parent
CRASH_MARKER = "LRLIB_TEST_CRASH_MARKER"
PIDS_FOLDER = "LRLIB_TEST_PIDS"


# --- workers that make a record without training (importable by spawned and Ray workers) ---------

def fake_record(spec_data):
    """A valid record for the spec, made in microseconds: a range test whose curve has a valley
    at 1e-2, or a two-epoch result."""
    spec = parallel.spec_from_dict(spec_data)
    provenance = {"data_fingerprint": MNIST_FINGERPRINT, "data_source": "fake"}
    if isinstance(spec, RangeTestPlan):
        rates = np.geomspace(spec.start, spec.end, spec.steps)
        losses = 2.3 - 2.0 * np.exp(-(np.log10(rates) + 2) ** 2)
        test = {"rates": rates.tolist(), "losses": losses.tolist(), "beta": spec.beta, "stop_reason": "fake",
                "wall_time_s": 0.0}
        return {"plan": spec.to_dict(), "test": test, "provenance": provenance}
    epochs = spec.effective_epochs
    history = {"loss": [1.0] * epochs, "val_loss": [1.0] * epochs, "accuracy": [0.5] * epochs,
               "val_accuracy": [0.5] * epochs, "learning_rate": [spec.initial_rate] * epochs}
    return {"experiment": spec.to_dict(), "history": history, "test_loss": 1.0, "test_accuracy": 0.5,
            "epochs_run": epochs, "wall_time_s": 0.0, "train_time_s": 0.0, "diverged": False,
            "divergence_reason": None, "provenance": provenance, "steps_per_epoch": 2}


def crash_first_time(spec_data):
    """Kills its own worker process the first time (a marker file remembers), then fakes."""
    marker = Path(os.environ[CRASH_MARKER])
    if not marker.exists():
        marker.touch()
        os._exit(3)
    return fake_record(spec_data)


def always_raise(spec_data):
    raise ValueError(f"no luck with {parallel.spec_from_dict(spec_data).label()}")


def report_and_sleep(spec_data):
    """Leaves its worker's PID in the folder ``$LRLIB_TEST_PIDS``, then trains for ever."""
    (Path(os.environ[PIDS_FOLDER]) / str(os.getpid())).touch()
    time.sleep(600)


class InlineEngine:
    """Runs ``work`` at once in this process; records what was submitted."""

    description = "inline"

    def __init__(self, work=fake_record, capacity=2):
        self.work, self.capacity = work, capacity
        self.submitted, self.cancelled = [], False

    def __enter__(self):
        return self

    def __exit__(self, *error):
        pass

    def submit(self, spec):
        self.submitted.append(spec)
        future = concurrent.futures.Future()
        try:
            future.set_result(self.work(parallel.spec_to_dict(spec)))
        except Exception as error:
            future.set_exception(error)
        return future

    def result(self, future):
        try:
            return future.result()
        except Exception as error:
            raise parallel.RunFailed(f"{type(error).__name__}: {error}") from None

    def cancel(self):
        self.cancelled = True


def tiny(optimizer="adam", rate=0.001, **options):
    return Experiment(optimizer, rate, profile="tiny", **options)


def stored_files(root):
    return sorted(Path(root).rglob("*.json"))


# --- the driver: order, retries, failures, groups ---------------------------------------------------

def test_runs_start_longest_first_and_each_is_stored(tmp_path):
    specs = [tiny(epochs=1), RangeTestPlan(tiny(), steps=3), tiny(epochs=2), tiny("sgd", epochs=2)]
    engine, store, lines = InlineEngine(capacity=1), ResultStore(tmp_path), []
    assert parallel.train_all([parallel.Task(s, "g") for s in specs], engine, store, write=lines.append) == []
    # 2 epochs of 2 steps, the same, 3 range-test steps, 1 epoch of 2 steps; ties in the order given
    assert engine.submitted == [specs[2], specs[3], specs[1], specs[0]]
    assert all(store.load(s) is not None for s in specs)
    assert lines[0] == "g: adam lr=0.001: test loss 1.0000 / test accuracy 0.5000 / learned (0 s, real MNIST)"


def test_a_failed_run_is_reported_with_its_experiment_and_tried_once_more(tmp_path):
    calls = []

    def flaky(spec_data):
        calls.append(spec_data)
        if len(calls) == 1:
            raise MemoryError("out of memory")
        return fake_record(spec_data)

    lines = []
    assert parallel.train_all([parallel.Task(tiny(), "fixed-lr")], InlineEngine(flaky), ResultStore(tmp_path),
                              write=lines.append) == []
    assert lines[0] == "fixed-lr: adam lr=0.001: failed, trying it once more: MemoryError: out of memory"
    assert len(calls) == 2 and ResultStore(tmp_path).load(tiny()) is not None


def test_a_run_that_fails_twice_is_listed_and_every_other_run_is_stored(tmp_path):
    def fails_for_sgd(spec_data):
        return always_raise(spec_data) if spec_data["spec"]["optimizer"] == "sgd" else fake_record(spec_data)

    lines = []
    failures = parallel.train_all([parallel.Task(tiny("sgd")), parallel.Task(tiny())], InlineEngine(fails_for_sgd),
                                  ResultStore(tmp_path), write=lines.append)
    assert [(f.task.spec, f.task.attempt) for f in failures] == [(tiny("sgd"), 2)]
    assert failures[0].reason == "ValueError: no luck with sgd lr=0.001"
    assert "sgd lr=0.001: failed again, not stored: ValueError: no luck with sgd lr=0.001" in lines
    assert stored_files(tmp_path) == [ResultStore(tmp_path).path(tiny())]


def test_a_record_trained_on_other_data_is_refused():
    record = fake_record(parallel.spec_to_dict(tiny()))
    record["provenance"] = {"data_fingerprint": "f" * 64, "data_source": "someone's file"}
    with pytest.raises(parallel.RunFailed, match="other data .someone's file."):
        parallel.checked_record(tiny(), record)
    with pytest.raises(parallel.RunFailed, match="another run"):
        parallel.checked_record(tiny(rate=0.01), fake_record(parallel.spec_to_dict(tiny())))


def test_an_interrupt_stops_the_engine_and_leaves_nothing_half_written(tmp_path):
    class Interrupting(InlineEngine):
        def submit(self, spec):
            if self.submitted:
                raise KeyboardInterrupt
            return super().submit(spec)

    engine = Interrupting(capacity=3)
    with pytest.raises(KeyboardInterrupt):
        parallel.train_all([parallel.Task(tiny()), parallel.Task(tiny("sgd"))], engine, ResultStore(tmp_path),
                           write=lambda line: None)
    assert engine.cancelled and not list(tmp_path.rglob("*.tmp"))


def test_a_group_built_from_stored_results_waits_for_them(isolated_results):
    groups = ["range-tests", "range-suggested"]
    assert scenarios("range-suggested", "tiny") == []  # nothing to build it from yet
    engine = InlineEngine()
    assert cli._train_in_parallel(groups, "tiny", ResultStore(isolated_results), engine, retrain=False) == []
    plans = [s.experiment for s in scenarios("range-tests", "tiny")]
    suggested = [s.experiment for s in scenarios("range-suggested", "tiny")]
    assert suggested and set(engine.submitted[:len(plans)]) == set(plans)
    assert engine.submitted[len(plans):] == sorted(suggested, key=parallel.cost, reverse=True)
    again = InlineEngine()  # retrain: each run once, the suggestions from the new range tests
    assert cli._train_in_parallel(groups, "tiny", ResultStore(isolated_results), again, retrain=True) == []
    assert sorted(map(repr, again.submitted)) == sorted(map(repr, plans + suggested))


def test_reproduce_lists_runs_that_failed_twice_in_one_error_line(monkeypatch, tmp_path, capsys):
    def fails_at_half(spec_data):
        return always_raise(spec_data) if spec_data["spec"]["learning_rate"] == 0.5 else fake_record(spec_data)

    monkeypatch.setattr(cli, "ProcessEngine", lambda jobs: InlineEngine(fails_at_half))
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path),
                     "--jobs", "2"]) == 1
    captured = capsys.readouterr()
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "1 runs failed twice" in errors[0] and "fixed-lr: adam lr=0.5" in errors[0]
    assert len(stored_files(tmp_path)) == 4 and "not stored" in captured.out  # its table row


# --- bad input: one error line, exit 2, nothing written ---------------------------------------------

@pytest.mark.parametrize("value, quoted", [("0", "jobs=0"), ("-2", "jobs=-2"), ("two", "jobs='two'"),
                                           ("2.5", "jobs='2.5'"), ("", "jobs=''")])
def test_a_bad_job_count_is_refused_before_anything_is_written(value, quoted, tmp_path, capsys):
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir",
                     str(tmp_path / "r"), f"--jobs={value}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Argument `jobs`") and quoted in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_ray_not_installed_is_one_error_line(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    assert cli.main(["reproduce", "--profile", "tiny", "--results-dir", str(tmp_path / "r"), "--ray"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'lrlib[ray]'" in err and "ray='local'" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("address", ["127.0.0.1:1", "ray://127.0.0.1:1", "nowhere"])
def test_an_unreachable_ray_address_is_one_error_line(address, tmp_path, capsys):
    pytest.importorskip("ray", reason="Ray is not installed (pip install 'lrlib[ray]')")
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path / "r"),
                     "--ray", address]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Argument `ray`") and f"ray={address!r}" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_a_bad_job_count_from_the_shell_is_one_line_without_traceback(tmp_path):
    from test_cli import assert_one_error_line, lrlib_cli

    done = lrlib_cli("reproduce", "--profile", "tiny", "--jobs", "0", "--results-dir", str(tmp_path / "r"))
    assert_one_error_line(done, "jobs=0")
    assert not (tmp_path / "r").exists()


# --- real worker processes (tiny profile) ---------------------------------------------------------

def assert_same_numbers(stored, trained):
    assert stored.history == trained.history
    assert (stored.test_loss, stored.test_accuracy, stored.epochs_run) == \
        (trained.test_loss, trained.test_accuracy, trained.epochs_run)


def test_jobs_trains_in_workers_with_the_main_process_numbers_and_resumes(tmp_path, capsys):
    args = ["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path), "--jobs", "2"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "5 runs to train on 2 worker processes" in out and "adam lr=0.5" in out and "diverged" in out
    files = stored_files(tmp_path)
    assert len(files) == 5
    # The same runs trained here, in the main process: the same numbers, to the last bit.
    store = ResultStore(tmp_path)
    for experiment in (tiny(rate=0.001), tiny(rate=0.5)):
        assert_same_numbers(store.load(experiment), train(experiment, verbose=False))
    modified = [f.stat().st_mtime_ns for f in files]
    assert cli.main(args) == 0  # everything stored: nothing trains, nothing is rewritten
    assert "0 runs to train" in capsys.readouterr().out
    assert [f.stat().st_mtime_ns for f in files] == modified


def test_a_dead_worker_is_reported_and_its_run_retried(monkeypatch, tmp_path):
    monkeypatch.setenv(CRASH_MARKER, str(tmp_path / "crashed"))
    lines = []
    with parallel.ProcessEngine(1, work=crash_first_time) as engine:
        failures = parallel.train_all([parallel.Task(tiny(), "fixed-lr")], engine, ResultStore(tmp_path / "r"),
                                      write=lines.append)
    assert failures == []
    assert lines[0] == "fixed-lr: adam lr=0.001: failed, trying it once more: its worker process died (exit code 3)"
    assert find_stored(tiny(), searched=[ResultStore(tmp_path / "r")]) is not None


@pytest.mark.parametrize("engine", [["--jobs", "2"], ["--ray"]], ids=["jobs", "ray"])
def test_ctrl_c_stops_the_workers_keeps_every_finished_run_and_a_rerun_resumes(engine, monkeypatch, tmp_path, capsys):
    if engine == ["--ray"]:
        pytest.importorskip("ray", reason="Ray is not installed (pip install 'lrlib[ray]')")
    results = tmp_path / "r"
    command = [sys.executable, "-m", "lrlib", "reproduce", "--profile", "tiny", "--only", "fixed-lr",
               "--results-dir", str(results), *engine]
    # Started as a terminal starts a foreground job: in its own process group, so that Ctrl-C
    # reaches every process in it, and with Ctrl-C at its default and not blocked, however the
    # tests were started. A child keeps an ignored or blocked SIGINT from its parent, and a shell
    # without job control starts background commands with SIGINT ignored (`make test &` in a
    # script): Python then never raises KeyboardInterrupt, and the command runs to its end.
    process = subprocess.Popen([sys.executable, "-c", AS_FROM_A_SHELL, *command[1:]], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    deadline = time.monotonic() + 300
    while not stored_files(results) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert [line for line in err.splitlines() if line.startswith("error:")] == [
        "error: interrupted; every finished run is stored, and rerunning resumes from there"]
    assert group_is_gone(process.pid), "a worker outlived the command"
    finished = stored_files(results)
    assert 1 <= len(finished) < 5 and not list(results.rglob("*.tmp"))
    assert all(json.loads(f.read_text())["provenance"]["data_fingerprint"] for f in finished)
    # Running it again trains only what is missing (here with an engine that fakes the training).
    modified = [f.stat().st_mtime_ns for f in finished]
    rerun = InlineEngine()
    monkeypatch.setattr(cli, "ProcessEngine", lambda jobs: rerun)
    assert cli.main(command[3:-len(engine)] + ["--jobs", "2"]) == 0
    assert f"{5 - len(finished)} runs to train" in capsys.readouterr().out
    assert len(rerun.submitted) == 5 - len(finished) and len(stored_files(results)) == 5
    assert [f.stat().st_mtime_ns for f in finished] == modified


# --- issue 26, item 5: workers end with their driver ------------------------------------------------

DRIVER = f"""
import sys, time
sys.path.insert(0, {str(TESTS)!r})
import test_parallel
from lrlib import parallel
engine = parallel.ProcessEngine(2, work=test_parallel.report_and_sleep)
engine.submit(test_parallel.tiny(rate=0.001)), engine.submit(test_parallel.tiny(rate=0.01))
time.sleep(600)
"""


def is_running(pid):
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by whoever adopted it, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_workers_exit_when_their_driver_is_killed(tmp_path):
    pids = tmp_path / "pids"
    pids.mkdir()
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], env={**os.environ, PIDS_FOLDER: str(pids)})
    workers = []
    try:
        deadline = time.monotonic() + 300
        while len(list(pids.iterdir())) < 2 and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = [int(path.name) for path in pids.iterdir()]
        assert len(workers) == 2 and all(map(is_running, workers))
        driver.kill()  # SIGKILL: the driver cleans up nothing
        driver.wait()
        deadline = time.monotonic() + 10 * parallel.PARENT_POLL_S
        while any(map(is_running, workers)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(map(is_running, workers)), "a worker outlived its driver"
    finally:
        driver.kill()
        for pid in filter(is_running, workers):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


AS_FROM_A_SHELL = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                   "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT}); "
                   "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])")


def group_is_gone(group, wait_s=10.0):
    """Whether every process of ``group`` has exited (multiprocessing's helper exits just after
    the command)."""
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


# --- Ray: a local cluster of 2 CPUs ----------------------------------------------------------------

@pytest.fixture
def ray_module():
    return pytest.importorskip("ray", reason="Ray is not installed (pip install 'lrlib[ray]')")


def test_ray_trains_each_run_as_a_task_with_the_main_process_numbers(ray_module, isolated_results, capsys):
    args = ["reproduce", "--profile", "tiny", "--only", "adaptive-repeats", "--results-dir", str(isolated_results),
            "--ray", "--jobs", "2"]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "2 runs to train on a local Ray (2 CPUs)" in out and "adam lr=0.01" in out
    assert not ray_module.is_initialized()  # the local Ray it started is gone
    chosen = [s.experiment for s in scenarios("adaptive-repeats", "tiny")]
    assert len(chosen) == 2
    assert_same_numbers(ResultStore(isolated_results).load(chosen[0]), train(chosen[0], verbose=False))


def test_ray_reports_a_dead_worker_and_a_failing_run_and_retries_each_once(ray_module, monkeypatch, tmp_path):
    monkeypatch.setenv(CRASH_MARKER, str(tmp_path / "crashed"))
    # The local Ray's workers inherit this environment: they import this module by name.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])))

    lines = []
    with parallel.RayEngine("local", jobs=2, work=ray_work) as engine:
        failures = parallel.train_all([parallel.Task(tiny(), "a"), parallel.Task(tiny("sgd"), "b")], engine,
                                      ResultStore(tmp_path / "r"), write=lines.append)
    assert [f.task.label for f in failures] == ["b: sgd lr=0.001"]
    assert failures[0].reason == "ValueError: no luck with sgd lr=0.001"
    assert any(line.startswith("a: adam lr=0.001: failed, trying it once more: its Ray worker died") for line in lines)
    assert any(line.startswith("b: sgd lr=0.001: failed, trying it once more: ValueError") for line in lines)
    assert ResultStore(tmp_path / "r").load(tiny()) is not None


def ray_work(spec_data):
    """Kills its worker once for Adam; always raises for the others."""
    return crash_first_time(spec_data) if spec_data["spec"]["optimizer"] == "adam" else always_raise(spec_data)


# --- issue 26, item 6: --jobs is capped by the cores and the memory ----------------------------------

@pytest.mark.parametrize("value", ["5", "1000", "10000000000", str(10**30)])
def test_more_jobs_than_the_cores_and_memory_hold_are_refused_saying_why(value, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(parallel, "cpu_cores", lambda: 4)
    monkeypatch.setattr(parallel, "available_memory_gib", lambda: 3.5)
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir",
                     str(tmp_path / "r"), "--jobs", value]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and err.startswith("error: Argument `jobs` must be <= 3")
    assert "4 CPU cores" in err and "3.5 GiB of free memory" in err and f"jobs={value}" in err
    assert not (tmp_path / "r").exists()


def test_a_ray_cluster_takes_many_jobs_but_not_absurdly_many():
    assert parallel.job_count("64", parallel.CLUSTER_JOB_LIMIT) == 64
    with pytest.raises(ValueError, match=f"jobs={10**30}"):
        parallel.job_count(str(10**30), parallel.CLUSTER_JOB_LIMIT)


# --- issue 26, item 10: an address where something other than Ray answers fails in bounded time -------

@pytest.fixture
def web_server():
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_server():
    import socket

    listener = socket.create_server(("127.0.0.1", 0))  # accepts (the kernel's backlog) and never speaks
    yield f"127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_web_server_at_the_ray_address_is_one_error_line_without_waiting(web_server, monkeypatch, tmp_path, capsys):
    import types

    hanging_ray = types.SimpleNamespace(is_initialized=lambda: False, init=lambda **options: time.sleep(600))
    monkeypatch.setattr(parallel, "import_ray", lambda address: hanging_ray)
    started = time.monotonic()
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path / "r"),
                     "--ray", web_server]) == 2
    err = capsys.readouterr().err
    assert time.monotonic() - started < parallel.CONNECT_TIMEOUT_S
    assert len(err.splitlines()) == 1 and "is not Ray: it does not speak gRPC (it sent b'" in err
    assert f"ray={web_server!r}" in err and not (tmp_path / "r").exists()


def test_a_silent_server_at_the_ray_address_is_refused_once_its_time_is_up(silent_server):
    started = time.monotonic()
    with pytest.raises(parallel.EngineError, match="sent nothing within 0.5 s"):
        parallel._check_reachable(silent_server, timeout_s=0.5)
    assert time.monotonic() - started < 5


def test_a_grpc_server_passes_the_check_as_ray_would():
    grpc = pytest.importorskip("grpc")
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(1))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        parallel._check_reachable(f"127.0.0.1:{port}")
        parallel._check_reachable(f"ray://127.0.0.1:{port}")
    finally:
        server.stop(None)


# --- issue 26, item 15: a save that fails under --jobs is explained as the serial path explains it -------

def test_a_failed_save_under_jobs_names_the_run_and_the_store(monkeypatch, tmp_path, capsys):
    def refuse(store, record):
        raise PermissionError(1, "Operation not permitted", str(tmp_path / "r" / "tiny" / ".abc.123.tmp"))

    engine = InlineEngine()
    monkeypatch.setattr(cli, "ProcessEngine", lambda jobs: engine)
    monkeypatch.setattr(ResultStore, "save", refuse)
    assert cli.main(["reproduce", "--profile", "tiny", "--only", "fixed-lr", "--results-dir", str(tmp_path / "r"),
                     "--jobs", "2"]) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and engine.cancelled
    assert errors[0].startswith(f"error: The result of adam lr=") and f"could not be stored in {tmp_path / 'r'} " \
        "(PermissionError: [Errno 1] Operation not permitted" in errors[0]
    assert "make the folder writable and run again to resume" in errors[0]
