"""Checks for the chapters on choosing a decay scheme and the article's decay code (09 and 10).
Chapter 9 chooses on validation accuracy and measures ties with ``report.noise``."""

from __future__ import annotations

import numpy as np

from ._core import Check, Mistake, register

_CHOOSING = "09_choosing_a_scheme"
_ARTICLE_CODE = "10_article_decay_code"

# The settings the exercises of chapter 10 fix: chapter 6's time decay from 0.01 over the article's
# 25 epochs, and the article's 192 steps per epoch (48,000 training images in batches of 250).
_START, _EPOCHS, _STEPS_PER_EPOCH = 0.01, 25, 192


# --- chapter 09: the grid of schemes -----------------------------------------------------------------

def _grid():
    from ..catalog import scenarios
    from ..report import grid_table
    from ..training import run_many

    results = run_many([s.experiment for s in scenarios("decay-grid")])
    return results, grid_table(results)


def _book_table():
    """The book's stored grid as a table, in every profile: in the quick grid the fixed rate is
    Adam's best scheme at its best rate and all three schemes tie at 0.001, so neither the ties
    nor the slider's threshold would say anything."""
    from ..report import book_runs, grid_table

    return grid_table(book_runs("decay-grid"))


def _tied_at_the_article_rate(tie: float | None = None, on_test: bool = False) -> frozenset[str]:
    """The schemes that ``noise.tied_with_best`` calls tied with the best for Adam from the
    article's baseline rate in the book's grid. The slips: a plain threshold ``tie`` on validation
    accuracy (``scheme_winners``), or, with ``on_test``, the schemes within the old yardstick
    (0.0024) of the best on test accuracy."""
    from ..catalog import scenario
    from ..report import book_runs, grid_cells, noise, scheme_winners

    rate = scenario("fixed-lr", "baseline").experiment.learning_rate
    if on_test:
        table = _book_table()
        cell = table[(table["optimizer"] == "adam") & (table["initial rate"] == rate)]
        return frozenset(cell.loc[cell["test accuracy"] >= cell["test accuracy"].max() - 0.0024, "scheme"])
    if tie is not None:
        return frozenset(scheme_winners(_book_table(), tie=tie).loc[("adam", rate), "tied with the best"].split(", "))
    return frozenset(noise.tied_with_best(grid_cells(book_runs("decay-grid"))[("adam", rate)]))


def _adam_best_row():
    from ..report import scheme_winners

    rows = scheme_winners(_book_table()).loc["adam"]
    return rows.loc[rows["best accuracy"].idxmax()]


def _fixed_joins_at(runner_up: bool = False, scale: float = 1.0) -> float:
    """The smallest tie at which the fixed rate joins the winners at Adam's best initial rate (its
    gap to the best scheme); with ``runner_up``, the gap between the best and the second scheme."""
    table = _book_table()
    row = _adam_best_row()
    if not runner_up:
        return scale * float(row["gain over fixed"])
    cell = table[(table["optimizer"] == "adam") & (table["initial rate"] == row.name)]
    top_two = cell["val accuracy"].nlargest(2)
    return scale * float(top_two.iloc[0] - top_two.iloc[1])


def _seed_leads(optimizer: str = "sgd", in_images: bool = True, over_the_last: bool = False,
                metric: str = "val accuracy") -> list[float]:
    """For each seed of the seed study (the grid's run and its repeats), the lead of the best scheme
    over the runner-up (or, with ``over_the_last``, over the worst) on ``metric`` (a column of
    ``grid_table``: validation accuracy, or the slip of reading test accuracy), in images of the
    set it was measured on or as a fraction."""
    from ..catalog import scenarios
    from ..report import grid_table, noise
    from ..training import run_many

    results, _ = _grid()
    repeats = run_many([s.experiment for s in scenarios("decay-seeds")])
    rate = next(r.experiment.initial_rate for r in repeats if r.experiment.optimizer == optimizer)
    same_row = [r for r in results if r.experiment.optimizer == optimizer and r.experiment.initial_rate == rate]
    seeds = grid_table(same_row + [r for r in repeats if r.experiment.optimizer == optimizer])
    by_seed = seeds.pivot_table(index="scheme", columns="seed", values=metric)
    measured_on = "test_accuracy" if metric.startswith("test") else "val_accuracy"
    scale = noise.evaluated_images(repeats[0], measured_on) if in_images else 1.0
    leads = []
    for seed in by_seed.columns:
        ordered = by_seed[seed].sort_values(ascending=False)
        other = ordered.iloc[-1] if over_the_last else ordered.iloc[1]
        leads.append(float((ordered.iloc[0] - other) * scale))
    return leads


# --- chapter 10: the article's decay code ------------------------------------------------------------

def _course_time_decay():
    from ..catalog import decay_schedule

    return decay_schedule("time", _START, _EPOCHS)


def _on_epochs(answer) -> list[float]:
    """A schedule written as a function of the epoch, asked for each of the 25 epochs twice, as a
    second run or a restart would ask it: a function that keeps state gives itself away."""
    if not callable(answer):
        return answer
    first = [float(answer(epoch)) for epoch in range(_EPOCHS)]
    second = [float(answer(epoch)) for epoch in range(_EPOCHS)]
    if not np.allclose(first, second, rtol=1e-12, atol=0.0, equal_nan=True):
        raise ValueError("asked a second time for the same epochs, your function returned other rates: it keeps "
                         "state between calls, as the article's does; compute the rate from the epoch alone")
    return first


def _time_decay_by_epoch(shift: int = 0, decay_rate: float | None = None) -> list[float]:
    schedule = _course_time_decay()
    k = schedule.args["decay_rate"] if decay_rate is None else decay_rate
    return [_START / (1 + k * (epoch + shift)) for epoch in range(_EPOCHS)]


def _article_compounding() -> list[float]:
    from .. import article_code

    k = _course_time_decay().args["decay_rate"]
    return [float(rate) for rate in article_code.rates_over(article_code.make_time_decay(_START, decay=k), _EPOCHS)]


def _sample_steps() -> np.ndarray:
    """Steps at and inside epochs, from the first to the last of the 25: where a per-step and a
    per-epoch schedule part."""
    quarter = _STEPS_PER_EPOCH // 4
    return np.array([0, 1, quarter, 2 * quarter, _STEPS_PER_EPOCH, _STEPS_PER_EPOCH + 2 * quarter,
                     12 * _STEPS_PER_EPOCH, 12 * _STEPS_PER_EPOCH + 3 * quarter, 24 * _STEPS_PER_EPOCH,
                     _EPOCHS * _STEPS_PER_EPOCH - 1])


def _on_steps(answer) -> list[float]:
    """An lrlib schedule (or any function of the optimizer's step, a Keras schedule say) at the
    sample steps; an epoch-based lrlib schedule gets the article's steps per epoch."""
    steps = _sample_steps()
    if hasattr(answer, "values") and hasattr(answer, "with_steps_per_epoch"):
        if answer.needs_steps_per_epoch:
            answer = answer.with_steps_per_epoch(_STEPS_PER_EPOCH)
        return [float(rate) for rate in answer.values(steps)]
    if callable(answer):
        return [float(answer(int(step))) for step in steps]
    return answer


def _per_step_time_decay(per_step: bool = True, divide: bool = True) -> list[float]:
    from .. import schedules

    k = _course_time_decay().args["decay_rate"]
    if not per_step:
        per_epoch = _course_time_decay().with_steps_per_epoch(_STEPS_PER_EPOCH)
        return [float(rate) for rate in per_epoch.values(_sample_steps())]
    schedule = schedules.time_decay(_START, k / _STEPS_PER_EPOCH if divide else k, steps_per_epoch=1)
    return [float(rate) for rate in schedule.values(_sample_steps())]


register(
    Check("ex-schemes-ties", _CHOOSING, "a set of scheme names (those tied with the best)",
          expected=_tied_at_the_article_rate,
          idea="noise.tied_with_best(report.grid_cells(book_results)[('adam', 0.001)]) chooses on validation "
               "accuracy and keeps every scheme within the noise of the best.",
          mistakes=(Mistake(lambda: _tied_at_the_article_rate(tie=0.0),
                            "that is the best scheme alone, as a table without any noise names it: its lead is "
                            "smaller than the noise; use noise.tied_with_best."),
                    Mistake(lambda: _tied_at_the_article_rate(tie=0.001),
                            "that is a plain threshold of 0.001 (twelve validation images); the noise of these "
                            "comparisons is larger: use noise.tied_with_best."),
                    Mistake(lambda: _tied_at_the_article_rate(on_test=True),
                            "those are the schemes near the best on test accuracy; choose on validation "
                            "accuracy (noise.tied_with_best), the test set only reports."))),
    Check("ex-schemes-seed-leads", _CHOOSING, "a list of counts of validation images, one per seed",
          expected=_seed_leads, rtol=0.0, atol=0.5,
          idea="for each seed (a column of by_seed), take the best validation accuracy of SGD's schemes minus "
               "the second best, and multiply by the number of validation images.",
          mistakes=(Mistake(lambda: _seed_leads(in_images=False),
                            "those are differences in validation accuracy (fractions), not images: multiply the "
                            "fraction by the number of validation images."),
                    Mistake(lambda: _seed_leads(over_the_last=True),
                            "that is the lead over the worst scheme; the runner-up is the second best."),
                    Mistake(lambda: _seed_leads(metric="test accuracy"),
                            "those are leads in test images; the seed study reads validation accuracy "
                            "(by_seed), the test set only reports."),
                    Mistake(lambda: _seed_leads(optimizer="adam"),
                            "those are Adam's leads; the exercise asks for SGD's."))),
    Check("ex-schemes-tie-slider", _CHOOSING, "one number, a difference in validation accuracy (a fraction)",
          expected=_fixed_joins_at, rtol=0.0, atol=0.0005,
          idea="the fixed rate joins the winners once the tie reaches its gap to the best scheme: the "
               "'gain over fixed' of Adam's best row of scheme_winners(book_table).",
          mistakes=(Mistake(lambda: _fixed_joins_at(scale=100.0),
                            "that is in points (percent); the slider's value is a fraction: divide by 100."),
                    Mistake(lambda: _fixed_joins_at(runner_up=True),
                            "at that tie the runner-up joins the best; the fixed rate joins later."))),
    Check("ex-article-time-fix", _ARTICLE_CODE, "a function of the epoch (or the list of its 25 rates)",
          expected=lambda: _on_epochs(_course_time_decay().with_steps_per_epoch(1).values),
          prepare=_on_epochs, rtol=1e-6,
          idea="the time-decay formula with chapter 6's constants, computed from the epoch alone: no "
               "variable that each call changes.",
          mistakes=(Mistake(_article_compounding,
                            "those are the article's compounding rates: each call multiplies the rate the previous "
                            "call already shrank; compute it from the initial rate and the epoch instead."),
                    Mistake(lambda: _time_decay_by_epoch(shift=1),
                            "Keras counts epochs from 0, and epoch 0 must run at the initial rate: use epoch, "
                            "not epoch + 1."),
                    Mistake(lambda: _time_decay_by_epoch(decay_rate=1.5e-6),
                            "that is the article's constant, with which the rate hardly moves; use k = 9 / 24, "
                            "which ends at a tenth in the last of 25 epochs."))),
    Check("ex-article-per-step", _ARTICLE_CODE,
          "an lrlib schedule (or a function of the optimizer's step)",
          expected=_per_step_time_decay, prepare=_on_steps, rtol=1e-6,
          idea="with one 'epoch' per step the formula sees the optimizer's step: spread each epoch's decay "
               "over the steps of an epoch, so that it adds up to the per-epoch constant after one epoch.",
          mistakes=(Mistake(lambda: _per_step_time_decay(per_step=False),
                            "that is chapter 6's schedule, which changes once per epoch (look inside an epoch); "
                            "Keras 2's decay changed the rate at every step."),
                    Mistake(lambda: _per_step_time_decay(divide=False),
                            "that applies chapter 6's per-epoch constant at every step and falls 192 times too "
                            "fast: per step the constant is k / 192."))),
)
