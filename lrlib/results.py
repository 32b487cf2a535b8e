"""What a run produced, and where results are kept.

A ``Result`` is stored as a small JSON file named by its experiment's key, under
``<root>/<profile>/``. Full-profile results ship inside the package (``lrlib/results/full``),
so a learner who installs lrlib gets them without training. Other results go to
``$LRLIB_RESULTS_DIR`` when set, else next to them in the package folder.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from .experiment import Experiment

ENV_RESULTS_DIR = "LRLIB_RESULTS_DIR"
PACKAGED_RESULTS = Path(__file__).parent / "results"
METRICS = ("loss", "val_loss", "accuracy", "val_accuracy", "learning_rate")


@dataclasses.dataclass(frozen=True)
class Result:
    """The outcome of ``run(experiment)``.

    ``history`` maps each of ``METRICS`` to one value per epoch run; ``learning_rate`` is the
    rate the optimizer used in that epoch. ``diverged`` runs keep the history up to the epoch
    where the loss became NaN or exploded, and say why in ``divergence_reason``.
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

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["experiment"] = self.experiment.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        fields = {f.name for f in dataclasses.fields(cls)}
        if set(data) != fields:
            raise ValueError(f"result fields differ: missing {sorted(fields - set(data))}, "
                             f"unexpected {sorted(set(data) - fields)}")
        history = {name: [float(v) for v in data["history"][name]] for name in METRICS}
        if any(len(values) != data["epochs_run"] for values in history.values()):
            raise ValueError("result history lengths differ from epochs_run")
        return cls(**{**data, "experiment": Experiment.from_dict(data["experiment"]), "history": history})


class CorruptResultWarning(UserWarning):
    """A stored result could not be read and will be recomputed."""


class ResultStore:
    """JSON results under ``root/<profile>/<key>.json``, written atomically.

    A file that cannot be parsed, or whose experiment is not the one asked for, is reported
    and treated as missing: it is never served.
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, experiment: Experiment) -> Path:
        return self.root / experiment.profile / f"{experiment.key()}.json"

    def load(self, experiment: Experiment) -> Result | None:
        path = self.path(experiment)
        if not path.exists():
            return None
        try:
            result = Result.from_dict(json.loads(path.read_text()))
        except Exception as error:
            warnings.warn(f"Stored result {path} is corrupt ({type(error).__name__}: {error}); "
                          "it will be recomputed.", CorruptResultWarning, stacklevel=2)
            return None
        if result.experiment != experiment:
            warnings.warn(f"Stored result {path} belongs to another experiment "
                          f"({result.experiment}); it will be recomputed.", CorruptResultWarning, stacklevel=2)
            return None
        return result

    def save(self, result: Result) -> Path:
        path = self.path(result.experiment)
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result.to_dict(), indent=1, sort_keys=True) + "\n"
        # Write a temporary file beside the target and rename it: readers see the old file or
        # the new one, never half of one, even if this process dies mid-write.
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return path


def writable_store() -> ResultStore:
    """Where new results go: ``$LRLIB_RESULTS_DIR``, else the package's own folder."""
    return ResultStore(os.environ.get(ENV_RESULTS_DIR) or PACKAGED_RESULTS)


def stores() -> list[ResultStore]:
    """Stores searched for a result, the writable one first, then the packaged one."""
    first = writable_store()
    return [first] if first.root.resolve() == PACKAGED_RESULTS.resolve() else [first, ResultStore(PACKAGED_RESULTS)]


def find_stored(experiment: Experiment) -> Result | None:
    """The stored result of ``experiment``, if any store holds a valid one."""
    for store in stores():
        result = store.load(experiment)
        if result is not None:
            return result
    return None
