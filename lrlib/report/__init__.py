"""Tables and numbers for the chapters: our results beside the article's figures, one module per
part of the book. Every function is also here, as ``report.<name>``."""

from __future__ import annotations

from .common import (  # noqa: F401
    glue, test_images, names_by, epochs_to_accuracy, comparison_table, article_figures_text,
    epoch_to_epoch_variation, seed_repeats, BOOK_PROFILE, book_runs, readable,
)
from .fixed_rates import (  # noqa: F401
    class_shares, split_labels, best_constant_guess, answered_digit, answered_digits, digit_spans,
    extrapolated_epoch, early_stopping, gaps_in_images, time_share_below, descent_path, tie_band, versus_article,
)
from .decay import (  # noqa: F401
    TIME_DECAY_VERSIONS, scheme_of, metric_column, grid_table, scheme_winners, band_margins, grid_cells,
    grid_verdicts, compounding_time_decay_constant, time_decay_versions, epoch_cuts,
)
from .decay_quotes import (  # noqa: F401
    band_width, decay_runs_table, decay_leads_table, decay_run_quotes, good_rate_quotes, band_edge_quotes,
    scheme_choice_quotes, long_run_quotes, seed_leads, seed_winner_quotes, seed_noise_quotes,
)
from .adaptive import (  # noqa: F401
    optimizer_table, swept_value, good_band_width, band_edges, noisy_band_edges, with_repeats, repeated_cells_table, repeats_summary,
    band_width_table, settings_in_bands, widths_at_most,
)
from .range_tests import (  # noqa: F401
    suggestion_table, suggestions_on_sweep, range_test_cost,
)
from .cycles import (  # noqa: F401
    at_budget, runs_by_budget, accuracy_by_budget, budget_table, epochs_to_target, headline_table, standings_at,
    budget_comparison, budget_step, cycle_position, cycle_phase, clr_runs_table, median_comparison, target_summary,
    strategy_table,
)
from .after import reference_values, schedule_free_comparison, prodigy_comparison  # noqa: F401
from . import noise  # noqa: F401  (how the book decides: report.noise.choose, report.noise.compare)
