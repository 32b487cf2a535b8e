"""lrlib: the experiments of the course on choosing learning rates.

Describe a run with ``Experiment``, get its ``Result`` with ``run`` (stored results are served
without training), and load the data and model the article uses with ``load_mnist`` and
``build_cnn``.
"""

__version__ = "0.1.0"

from ._quiet import import_tensorflow_quietly

import_tensorflow_quietly()

from .data import Mnist, load_mnist  # noqa: E402
from .experiment import OPTIMIZERS, Experiment  # noqa: E402
from .model import build_cnn  # noqa: E402
from .profiles import PROFILES, Profile, default_profile, get_profile, use_profile  # noqa: E402
from .results import Outcome, Result, ResultStore, find_stored  # noqa: E402
from .catalog import Scenario, scenario, scenarios  # noqa: E402
from .training import MissingResultError, describe_device, run, run_many, train  # noqa: E402

__all__ = [
    "Experiment", "MissingResultError", "Mnist", "OPTIMIZERS", "Outcome", "PROFILES", "Profile", "Result",
    "ResultStore", "Scenario", "build_cnn", "default_profile", "describe_device", "find_stored",
    "get_profile", "load_mnist", "run", "run_many", "scenario", "scenarios", "train", "use_profile",
]
