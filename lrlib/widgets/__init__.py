"""ipywidgets controls for the chapters, one module per part of the book (as ``lrlib.report``).

Sliders only pick among stored results and redraw at once; training sits behind a button.
Each control is a small class holding its state (so tests can drive it) and showing itself in
a notebook through ``widget``. Every control is also here, as ``widgets.<name>``.
"""

from __future__ import annotations

from .common import PlainSlider, RateSlider, _Control  # noqa: F401
from .fixed_rates import RateExplorer, TrainPanel  # noqa: F401
from .decay import ArticleDecayExplorer, DecayExplorer, ResultBrowser, TieExplorer  # noqa: F401
from .adaptive import BandExplorer, TrajectoryExplorer  # noqa: F401
from .range_tests import RangeTestExplorer, SuggestionExplorer  # noqa: F401
from .cycles import CYCLE_POLICIES, CycleExplorer  # noqa: F401
from .basics import ACCURACIES, IMAGE_COUNTS, PRIMER_RATES, SamplingErrorExplorer, StepSizeExplorer, sampling_table  # noqa: F401
from .after import D_COEFS, SCHEDULE_FREE_RATES, AfterTheArticleExplorer, BudgetExplorer  # noqa: F401
