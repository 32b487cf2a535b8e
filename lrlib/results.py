"""What a run produced, and where results are kept.

A ``Result`` is stored as a small JSON file named by its experiment's key; other kinds of
record (a range test) by their kind and key, e.g. ``range-test-<key>.json``. Records made on
the real MNIST live under ``<root>/<profile>/``; those made on any other data (the offline
sample, a user's own file) under ``<root>/<profile>/data-<fingerprint>/``, so that they are
never served as if they came from the real MNIST.

A record is stored by what describes it, its *spec*: an ``Experiment`` for a ``Result``; any
other spec has ``kind``, ``profile``, ``key()`` and ``record_type()``, and its record has
``spec``, ``data_fingerprint``, ``to_dict()`` and ``from_dict()``.

Two stores are searched: the user's (``$LRLIB_RESULTS_DIR``, else a per-user cache folder),
where ``run`` writes, and the book's, inside the package (``lrlib/results``), which holds the
committed full-profile results and is written only by ``python -m lrlib reproduce``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import secrets
import stat
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from . import manifest
from .data import MNIST_FINGERPRINT, NUM_CLASSES, describe_data, named_fingerprint
from .experiment import Experiment

ENV_RESULTS_DIR = "LRLIB_RESULTS_DIR"
PACKAGED_RESULTS = Path(__file__).parent / "results"
METRICS = ("loss", "val_loss", "accuracy", "val_accuracy", "learning_rate")
TEST_METRICS = ("test_loss", "test_accuracy")  # per epoch, in runs with ``test_each_epoch``
# Cross-entropy of a uniform guess over 10 classes is ln(10) ~ 2.3. A loss a hundred times that
# means the weights are running away.
EXPLODING_LOSS = 100 * math.log(NUM_CLASSES)
CHANCE_ACCURACY = 1 / NUM_CLASSES
# Below twice chance, a run has learned next to nothing (the article's too-large and too-small
# runs end at 0.10 and 0.16).
STUCK_ACCURACY = 2 * CHANCE_ACCURACY
# JSON has no NaN or infinity; they are written as these strings (as protobuf's JSON mapping does).
NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
# A temporary file older than this was left by a save that was killed: a save takes milliseconds.
STALE_TEMPORARY_S = 60.0
FINGERPRINT_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """How a run ended: ``kind`` is ``"learned"``, ``"stuck at chance"`` or ``"diverged"``."""

    kind: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} ({self.reason})"


@dataclasses.dataclass(frozen=True)
class Result:
    """The outcome of ``run(experiment)``.

    ``history`` maps each of ``METRICS`` (and of ``TEST_METRICS`` when the experiment has
    ``test_each_epoch``) to one value per epoch run; ``learning_rate`` is the
    rate the optimizer used in that epoch. ``diverged`` runs were stopped early: they keep the
    history up to the epoch where the loss became NaN or exploded, and say why in
    ``divergence_reason``. ``outcome`` classifies every run, stopped or not.
    ``provenance["data_fingerprint"]`` identifies the data it was trained on.
    ``steps_per_epoch`` is the optimizer steps of one epoch (``None`` in results stored before
    it was recorded), so that a per-step schedule can be redrawn without the data.
    """

    experiment: Experiment
    history: dict[str, list[float]]
    test_loss: float
    test_accuracy: float
    epochs_run: int
    wall_time_s: float
    train_time_s: float
    diverged: bool
    divergence_reason: str | None
    provenance: dict[str, Any]
    steps_per_epoch: int | None = None

    @property
    def spec(self) -> Experiment:
        """What the result is stored by: its experiment."""
        return self.experiment

    @property
    def data_fingerprint(self) -> str:
        return self.provenance["data_fingerprint"]

    @property
    def data_description(self) -> str:
        """Which data it was trained on: ``real MNIST``, the offline sample, or a fingerprint."""
        return describe_data(self.data_fingerprint, self.provenance.get("data_source"))

    @property
    def on_real_mnist(self) -> bool:
        """Whether it was trained on the real MNIST (the book's reference data)."""
        return self.data_fingerprint == MNIST_FINGERPRINT

    @property
    def outcome(self) -> Outcome:
        """``diverged`` when training was stopped or its loss ended non-finite or above
        ``EXPLODING_LOSS``; ``stuck at chance`` when test accuracy stays below
        ``STUCK_ACCURACY``; else ``learned``. Derived from the stored numbers, so every stored
        result has one."""
        losses = self.history["loss"]
        first, last = losses[0], losses[-1]
        if self.diverged:
            return Outcome("diverged", self.divergence_reason or "stopped")
        if not math.isfinite(last) or not math.isfinite(self.test_loss):
            return Outcome("diverged", f"loss became {last if not math.isfinite(last) else self.test_loss}")
        if last > EXPLODING_LOSS:
            return Outcome("diverged", f"training loss ended at {last:.3g}, over {EXPLODING_LOSS:.0f} "
                                       f"(a hundred times a uniform guess's {math.log(NUM_CLASSES):.2f})")
        if self.test_accuracy < STUCK_ACCURACY:
            return Outcome("stuck at chance", f"test accuracy {self.test_accuracy:.4f}, chance is "
                                              f"{CHANCE_ACCURACY:.2f}; training loss {first:.3g} in epoch 1, "
                                              f"{last:.3g} in epoch {len(losses)}")
        return Outcome("learned", f"test accuracy {self.test_accuracy:.4f}")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record: non-finite numbers become ``"NaN"``/``"Infinity"``."""
        data = dataclasses.asdict(self)
        data["experiment"] = self.experiment.to_dict()
        return encode_non_finite(data)

    @classmethod
    def from_dict(cls, data: Any) -> Result:
        """The result a record describes; ``ValueError`` naming the field when any field has
        the wrong type or lies out of range."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a result must be a JSON object, not {type(data).__name__}")
        fields = {f.name for f in dataclasses.fields(cls)}
        data = {"steps_per_epoch": None, **data}  # optional: older results lack it
        if set(data) != fields:
            raise ValueError(f"result fields differ: missing {sorted(fields - set(data))}, "
                             f"unexpected {sorted(set(data) - fields)}")
        experiment = Experiment.from_dict(_mapping("experiment", data["experiment"]))
        epochs_run = _count("epochs_run", data["epochs_run"], maximum=experiment.effective_epochs)
        history = _history(_mapping("history", data["history"]), epochs_run, experiment.test_each_epoch)
        diverged = data["diverged"]
        if not isinstance(diverged, bool):
            raise ValueError(f"field diverged must be true or false; got {diverged!r}")
        if epochs_run < experiment.effective_epochs and not diverged and experiment.early_stopping_patience is None:
            raise ValueError(f"field epochs_run is {epochs_run}, fewer than the experiment's "
                             f"{experiment.effective_epochs}, yet the run neither diverged nor stopped early: "
                             "the history was cut short")
        reason = data["divergence_reason"]
        if (diverged and not isinstance(reason, str)) or (not diverged and reason is not None):
            raise ValueError(f"field divergence_reason must be a text exactly when diverged; got {reason!r}")
        provenance = _mapping("provenance", data["provenance"])
        if not all(isinstance(value, str) for value in provenance.values()):
            raise ValueError("field provenance must map names to texts")
        if not FINGERPRINT_PATTERN.fullmatch(provenance.get("data_fingerprint", "")):
            raise ValueError("field provenance lacks the data_fingerprint of the data it was trained on")
        return cls(
            experiment=experiment, history=history,
            test_loss=_metric("test_loss", data["test_loss"], non_finite=True),
            test_accuracy=_metric("test_accuracy", data["test_accuracy"], maximum=1.0),
            epochs_run=epochs_run,
            wall_time_s=_metric("wall_time_s", data["wall_time_s"]),
            train_time_s=_metric("train_time_s", data["train_time_s"]),
            diverged=diverged, divergence_reason=reason, provenance=dict(provenance),
            steps_per_epoch=None if data["steps_per_epoch"] is None else _count(
                "steps_per_epoch", data["steps_per_epoch"], maximum=2**31))


def encode_non_finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: encode_non_finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_non_finite(item) for item in value]
    return value


def _mapping(name: str, value: Any) -> Mapping:
    if not isinstance(value, Mapping):
        raise ValueError(f"field {name} must be a JSON object; got {value!r}")
    return value


def _count(name: str, value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValueError(f"field {name} must be an integer in 1..{maximum}; got {value!r}")
    return value


def _metric(name: str, value: Any, maximum: float | None = None, non_finite: bool = False) -> float:
    """A stored number >= 0 (and <= ``maximum``); ``"NaN"``/``"Infinity"`` only where allowed."""
    if non_finite and isinstance(value, str) and value in NON_FINITE:
        return NON_FINITE[value]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or value < 0 or (maximum is not None and value > maximum):
        allowed = " or \"NaN\"/\"Infinity\"" if non_finite else ""
        bounds = f"in [0, {maximum:g}]" if maximum is not None else ">= 0"
        raise ValueError(f"field {name} must be a number {bounds}{allowed}; got {value!r}")
    return float(value)


def _history(history: Mapping, epochs_run: int, test_each_epoch: bool = False) -> dict[str, list[float]]:
    names = METRICS + TEST_METRICS if test_each_epoch else METRICS
    if set(history) != set(names):
        raise ValueError(f"field history must hold exactly {list(names)}; got {sorted(history)}")
    checked = {}
    for name in names:
        values = history[name]
        if not isinstance(values, list) or len(values) != epochs_run:
            raise ValueError(f"field history[{name!r}] must list one value per epoch run ({epochs_run})")
        is_accuracy = name.endswith("accuracy")
        checked[name] = [_metric(f"history[{name!r}][{i}]", value, maximum=1.0 if is_accuracy else None,
                                 non_finite=name.endswith("loss")) for i, value in enumerate(values)]
    return checked


class CorruptResultWarning(UserWarning):
    """A stored result could not be read and will be recomputed."""


class ResultNotSavedWarning(UserWarning):
    """A finished result could not be written; it is returned unsaved."""


class ResultsNotWritableError(PermissionError):
    """A results folder cannot be written (found before training, so no run is lost)."""


def not_stored(label: str, store: ResultStore, error: OSError) -> str:
    """Why a finished run is not stored, said alike by ``run`` and by ``reproduce --jobs``: the
    run and the store, not only the temporary file the operating system names."""
    return f"The result of {label} could not be stored in {store.root} ({type(error).__name__}: {error})"


class ResultStore:
    """JSON results under ``root/<profile>/[data-<fingerprint>/]<key>.json``, written atomically.

    A file that cannot be parsed, fails validation, belongs to another experiment or was trained
    on other data, or that is not a regular file, is reported and treated as missing: it is never
    served. The book's own store also checks each file against its folder's ``SHA256SUMS``
    (``manifest``), which its saves keep up to date.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ResultStore({str(self.root)!r})"

    def path(self, spec, data_fingerprint: str = MNIST_FINGERPRINT) -> Path:
        """Where the record of ``spec`` (an ``Experiment`` or another kind's spec) made on the
        data with ``data_fingerprint`` is kept."""
        folder = self.root / spec.profile
        if data_fingerprint != MNIST_FINGERPRINT:
            folder = folder / f"data-{data_fingerprint[:16]}"
        name = spec.key() if isinstance(spec, Experiment) else f"{spec.kind}-{spec.key()}"
        return folder / f"{name}.json"

    def load(self, spec, data_fingerprint: str = MNIST_FINGERPRINT):
        """The stored record of ``spec`` (a ``Result`` for an ``Experiment``) made on the data
        with ``data_fingerprint``; ``None`` if there is no valid one."""
        path = self.path(spec, data_fingerprint)
        try:
            mode = path.stat().st_mode
        except (FileNotFoundError, NotADirectoryError):
            return None
        if not stat.S_ISREG(mode):  # reading a FIFO would wait for a writer for ever
            return _reported(path, "is not a regular file, so it is not read")
        record_type = Result if isinstance(spec, Experiment) else spec.record_type()
        try:
            data = path.read_bytes()
            if self.checksummed:
                manifest.verify(self.root / spec.profile, self._name_in_manifest(path, spec), data)
            record = record_type.from_dict(json.loads(data, parse_constant=_refuse_constant,
                                                      object_pairs_hook=_refuse_duplicate_keys))
        except Exception as error:
            return _reported(path, f"is corrupt ({type(error).__name__}: {error})")
        if record.spec != spec:
            return _reported(path, f"belongs to another experiment ({record.spec})")
        if record.data_fingerprint != data_fingerprint:
            return _reported(path, f"was trained on other data ({record.provenance.get('data_source')})")
        return record

    @property
    def checksummed(self) -> bool:
        """Whether this is the book's own store, whose records are checked against ``manifest``."""
        return self.root.resolve() == PACKAGED_RESULTS.resolve()

    def _name_in_manifest(self, path: Path, spec) -> str:
        return path.relative_to(self.root / spec.profile).as_posix()

    def check_writable(self, profile: str) -> None:
        """Raise ``ResultsNotWritableError`` unless results of ``profile`` can be written here."""
        folder = self.root / profile
        probe = folder / f".write-check.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe.touch(exist_ok=False)
            probe.unlink()
        except OSError as error:
            raise ResultsNotWritableError(
                f"Results folder {folder} cannot be written ({type(error).__name__}: {error}). Set "
                f"{ENV_RESULTS_DIR} to a folder you can write, or pass store=lrlib.ResultStore(folder).") from error

    def save(self, result) -> Path:
        """Write ``result`` (a ``Result`` or another kind's record) atomically with ordinary
        file permissions; returns its path."""
        record = result.to_dict()
        type(result).from_dict(record)  # never write what could not be read back
        path = self.path(result.spec, result.data_fingerprint)
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_temporaries(path.parent)
        text = json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n"
        _write_atomically(path, text)
        if self.checksummed:  # the record first: a save killed in between leaves it unserved, not wrong
            folder = self.root / result.spec.profile
            _write_atomically(folder / manifest.MANIFEST,
                              manifest.text_with(folder, self._name_in_manifest(path, result.spec), text.encode()))
        return path


def _write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside ``path`` and rename it: readers see the old file or the new
    one, never half of one, even if this process dies mid-write. open(..., "x") honours the
    umask (mkstemp would make the file private, 0600)."""
    tmp = path.parent / f".{path.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with open(tmp, "x") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON (non-finite numbers are stored as strings)")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, unless a key repeats: JSON would keep the last, hiding a hand edit."""
    record = dict(pairs)
    if len(record) != len(pairs):
        repeated = sorted({key for key, _ in pairs if sum(k == key for k, _ in pairs) > 1})
        raise ValueError(f"duplicate keys {repeated} in one JSON object")
    return record


def _reported(path: Path, problem: str) -> None:
    warnings.warn(f"Stored result {path} {problem}; it will be recomputed.", CorruptResultWarning, stacklevel=3)
    return None


def _remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files that a killed save left behind (not those of a save in progress)."""
    now = time.time()
    for leftover in folder.glob(".*.tmp"):
        try:
            if now - leftover.stat().st_mtime > STALE_TEMPORARY_S:
                leftover.unlink()
        except FileNotFoundError:  # another process cleaned it first
            pass


def results_folder(name: str, text: str) -> Path:
    """``text``, the value of argument or environment variable ``name``, as a folder: ``~`` and
    ``$VARIABLES`` expanded. An empty text (which would mean the current folder) and a variable
    that is not set (which would make a folder literally named ``$UNSET``) are refused."""
    what = f"Environment variable {name}" if name.isupper() else f"Argument `{name}`"
    if not text.strip():
        raise ValueError(f"{what} must name a folder; an empty path would mean the current folder. "
                         f"Received: {name}={text!r}")
    expanded = os.path.expandvars(text)
    if "$" in expanded:
        raise ValueError(f"{what} names an environment variable that is not set ({expanded!r} after "
                         f"expanding those that are). Received: {name}={text!r}")
    return Path(expanded).expanduser()


def user_results_dir() -> Path:
    """``$LRLIB_RESULTS_DIR`` (``~`` and variables expanded), else the user's cache folder for lrlib."""
    configured = os.environ.get(ENV_RESULTS_DIR)
    if configured:
        return results_folder(ENV_RESULTS_DIR, configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("lrlib", appauthor=False)) / "results"


def user_store() -> ResultStore:
    """Where ``run`` writes: a learner's own runs never touch the book's results."""
    return ResultStore(user_results_dir())


def as_store(store: ResultStore | str | os.PathLike | None) -> ResultStore:
    """``store`` as a ``ResultStore``: a store itself, a folder's path, or ``None`` for the
    user's store; anything else is a ``TypeError`` naming it."""
    if store is None:
        return user_store()
    if isinstance(store, ResultStore):
        return store
    if isinstance(store, (str, os.PathLike)):
        return ResultStore(results_folder("store", os.fspath(store)))
    raise TypeError(f"Argument `store` must be an lrlib.ResultStore or a folder's path. Received: store={store!r}")


def book_store() -> ResultStore:
    """The book's results inside the package; ``python -m lrlib reproduce`` writes here."""
    return ResultStore(PACKAGED_RESULTS)


def stores(first: ResultStore | None = None) -> list[ResultStore]:
    """Stores searched for a result: ``first`` (default: the user's), then the book's."""
    searched = [first or user_store(), book_store()]
    return searched[:1] if searched[0].root.resolve() == searched[1].root.resolve() else searched


def find_stored(experiment, data_fingerprint: str | None = None,
                searched: Iterable[ResultStore] | None = None):
    """The stored result of ``experiment`` (or the record of another kind's spec) trained on
    the real MNIST, else (when given) one trained on the data with ``data_fingerprint``;
    ``None`` if no store holds a valid one.

    Real-MNIST results come first and need no data to be loaded: they are the book's reference,
    and a learner offline with the sample still sees them. But when the user names other data
    (``$LRLIB_MNIST_PATH``: MNIST with shuffled labels, say), only results on that data are
    served: the real MNIST's figure would answer a question they did not ask.
    """
    return search(experiment, servable_fingerprints(data_fingerprint), searched)


def servable_fingerprints(data_fingerprint: str | None = None) -> list[str]:
    """The data whose results may be served, in order (see ``find_stored``)."""
    named = named_fingerprint()
    if named is not None and named != MNIST_FINGERPRINT:
        return [named]
    return [MNIST_FINGERPRINT] + ([data_fingerprint] if data_fingerprint not in (None, MNIST_FINGERPRINT) else [])


def search(spec, fingerprints: Iterable[str], searched: Iterable[ResultStore] | None = None):
    """The first valid record of ``spec`` made on one of ``fingerprints`` (in order) in the
    ``searched`` stores (default ``stores()``); ``None`` if none."""
    searched = list(searched) if searched is not None else stores()
    for fingerprint in fingerprints:
        for store in searched:
            result = store.load(spec, fingerprint)
            if result is not None:
                return result
    return None
