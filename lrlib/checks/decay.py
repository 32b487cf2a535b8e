"""Checks for the chapters on decay schedules (06 to 08)."""

from __future__ import annotations

import math

import numpy as np

from ._core import Check, Mistake, register

_WHAT = "06_what_decay_is"
_TRAINING = "07_training_with_decay"
_STILL_FIXED = "08_initial_rate_still_fixed"

# Chapter 06 draws every scheme from this rate over the article's 25 epochs, one step per epoch.
_START, _EPOCHS = 0.01, 25


# --- chapter 06: the formulas -------------------------------------------------------------------

def _course_schedule(scheme: str):
    from ..catalog import decay_schedule

    return decay_schedule(scheme, _START, _EPOCHS).with_steps_per_epoch(1)


def _constants(last: int | None = None, time_end: float = 9.0, log=math.log) -> dict[str, float]:
    """The decay constants of time and exponential decay. With the defaults, lrlib's own (read
    off the course's schedules); the other arguments make the usual slips."""
    if last is None:
        return {scheme: float(_course_schedule(scheme).args["decay_rate"]) for scheme in ("time", "exponential")}
    return {"time": time_end / last, "exponential": log(10) / last}


def _on_epochs(function) -> list[float]:
    """A schedule written as a Python function of the epoch, evaluated on the course's 25 epochs."""
    return [float(function(epoch)) for epoch in range(_EPOCHS)]


def _course_step_decay() -> list[float]:
    return [float(rate) for rate in _course_schedule("step").values(np.arange(_EPOCHS))]


def _article_step_decay(drop_every: int | None = None) -> list[float]:
    from .. import article_code

    every = _course_schedule("step").args["epochs_per_drop"] if drop_every is None else drop_every
    return [article_code.step_decay(epoch, _START, 0.5, every) for epoch in range(_EPOCHS)]


def _epochs_above_half(at_or_above: bool = False, last_epoch: bool = False) -> dict[str, float]:
    from ..catalog import DECAY_SCHEMES

    counts = {}
    for scheme in DECAY_SCHEMES:
        rates = _course_schedule(scheme).values(np.arange(_EPOCHS))
        above = rates >= _START / 2 if at_or_above else rates > _START / 2
        counts[scheme] = float(above.sum() - (1 if last_epoch else 0))
    return counts


# --- chapter 07: the decay runs ---------------------------------------------------------------------

def _decay_runs() -> dict:
    from ..catalog import scenarios
    from ..training import run_many

    chosen = scenarios("decay")
    return {s.name: r for s, r in zip(chosen, run_many([s.experiment for s in chosen]))}


def _final_fractions(absolute: bool = False, all_tenths: bool = False) -> dict[str, float]:
    from ..catalog import DECAY_START

    runs = _decay_runs()
    fractions = {}
    for name, result in runs.items():
        optimizer, scheme = name.split()
        if optimizer != "adam":
            continue
        last = float(result.history["learning_rate"][-1])
        fractions[scheme] = last if absolute else last / DECAY_START[optimizer]
    if all_tenths:
        fractions = {scheme: 1.0 if scheme == "fixed" else 0.1 for scheme in fractions}
    return fractions


def _sgd_leads(in_images: bool = True, sign: float = 1.0, metric: str = "val_accuracy") -> dict[str, float]:
    """Each SGD decay's lead over the fixed rate (``noise.leads_over``) on ``metric``: validation
    accuracy, which decides; ``test_accuracy`` is the slip of reading the test set."""
    from ..report import noise

    runs = {name.split()[1]: r for name, r in _decay_runs().items() if name.startswith("sgd ")}
    leads = noise.leads_over(runs, "fixed", metric)
    column = "lead in images" if in_images else "lead"
    return {scheme: sign * float(value) for scheme, value in leads[column].items()}


# --- chapter 08: the grid ---------------------------------------------------------------------------

def _grid() -> list:
    from ..catalog import scenarios
    from ..training import run_many

    return run_many([s.experiment for s in scenarios("decay-grid")])


def _good_rates(optimizer: str = "adam", tolerance: float = 0.005, count: bool = False) -> dict[str, float]:
    """The width in decades of Adam's good band per scheme in the book's stored grid (good on
    validation accuracy), in every profile: the quick grid's two rates per optimizer give every
    scheme one good rate, whatever the tolerance, so the widths could not tell the idea from
    the mistakes. With ``count``, the number of good rates instead (the slip of counting grid
    points as decades). (Measuring each scheme from its own best run gives the same widths on
    the book's grid, so that slip is not listed.)"""
    from ..catalog import grid_schemes
    from ..report import BOOK_PROFILE, band_width, book_runs, grid_table

    table = grid_table(book_runs("decay-grid"), tolerance=tolerance)
    rows = table[table["optimizer"] == optimizer]
    good = {scheme: rows.loc[(rows["scheme"] == scheme) & rows["good"], "initial rate"]
            for scheme in grid_schemes(BOOK_PROFILE)}
    return {scheme: float(rates.nunique()) if count else band_width(rates) for scheme, rates in good.items()}


def _band_edge(scheme: str = "exponential", in_images: bool = True, sign: float = 1.0) -> list[float]:
    """The margins to the good band's cutoff of SGD's ``scheme`` at the rate the seed repeats use."""
    from ..catalog import grid_rates, scenarios
    from ..report import band_margins
    from ..training import run_many

    repeats = run_many([s.experiment for s in scenarios("decay-seeds") if s.name.startswith(f"sgd {scheme} ")])
    margins = band_margins(_grid(), repeats, "sgd", grid_rates()["sgd"][-2], scheme)
    column = "margin in images" if in_images else "margin"
    return [sign * float(value) for value in margins[column]]


register(
    Check("ex-decay-constants", _WHAT,
          "a dict of two decay constants: {'time': ..., 'exponential': ...}",
          expected=_constants, rtol=2e-3,
          idea="each schedule must bring the rate down to a tenth of its start at the last epoch Keras asks "
               "for (it counts epochs from 0): write that condition with each formula and solve it for k.",
          mistakes=(Mistake(lambda: _constants(last=_EPOCHS),
                            "both constants assume the rate reaches a tenth at epoch 25, but Keras counts "
                            "epochs from 0: the last of 25 epochs is epoch 24."),
                    Mistake(lambda: _constants(last=_EPOCHS - 1, time_end=10.0),
                            "with time decay the rate is initial / (1 + k * epoch): a tenth needs "
                            "1 + k * 24 = 10, not k * 24 = 10."),
                    Mistake(lambda: _constants(last=_EPOCHS - 1, log=math.log10),
                            "exponential decay here is initial * exp(-k * epoch): use the natural "
                            "logarithm, ln(10), not log10(10) = 1."))),
    Check("ex-decay-step-fix", _WHAT, "a Python function of the epoch that returns the rate",
          expected=_course_step_decay, prepare=_on_epochs, rtol=1e-6,
          idea="the course halves the rate every 8 epochs, the first time at epoch 8, and Keras calls the "
               "function with epochs 0 to 24: find the epoch at which your formula drops first.",
          mistakes=(Mistake(_article_step_decay,
                            "that is still the article's formula: floor((1 + epoch) / 8) drops at epoch 7, "
                            "one epoch early, because Keras counts epochs from 0."),
                    Mistake(lambda: _article_step_decay(drop_every=15),
                            "that is the article's step decay with its own settings (a drop every 15 "
                            "epochs, one epoch early); the course halves every 25 // 3 = 8 epochs."),
                    Mistake(lambda: [_START * 0.5 ** (epoch / 8) for epoch in range(_EPOCHS)],
                            "that rate falls every epoch (it is exponential decay); step decay holds the "
                            "rate between drops: round the number of drops down with floor."))),
    Check("ex-decay-above-half", _WHAT,
          "a dict of epoch counts: {'linear': ..., 'step': ..., 'time': ..., 'exponential': ...}",
          expected=_epochs_above_half, rtol=0.0, atol=0.5,
          idea="evaluate each schedule on epochs 0 to 24 with schedule.values and count the rates "
               "strictly greater than 0.005.",
          mistakes=(Mistake(lambda: _epochs_above_half(at_or_above=True),
                            "step decay sits exactly at half (0.005) from epoch 8 to 15: 'above half' "
                            "leaves those epochs out."),
                    Mistake(lambda: _epochs_above_half(last_epoch=True),
                            "those are the last epochs above half; epochs count from 0, so the number "
                            "of epochs is one more."))),
    Check("ex-decay-final-fractions", _TRAINING,
          "a dict of fractions of the initial rate: {'fixed': ..., 'linear': ..., 'step': ..., 'time': ..., "
          "'exponential': ...}",
          expected=_final_fractions, rtol=1e-3,
          idea="take the last entry of each Adam run's history['learning_rate'] (the 'last rate used' "
               "column) and divide it by the initial rate, DECAY_START['adam'].",
          mistakes=(Mistake(lambda: _final_fractions(all_tenths=True),
                            "not every scheme is fitted to end at a tenth: read step decay's last rate "
                            "off the table instead of assuming it."),
                    Mistake(lambda: _final_fractions(absolute=True),
                            "those are the rates themselves; divide each by the initial rate, "
                            "DECAY_START['adam']."))),
    Check("ex-decay-sgd-images", _TRAINING,
          "a dict of validation-image counts: {'linear': ..., 'step': ..., 'time': ..., 'exponential': ...}",
          expected=_sgd_leads, rtol=0.0, atol=0.5,
          idea="for each SGD scheme, (its validation accuracy, noise.score, minus the fixed rate's) times "
               "noise.evaluated_images(result, 'val_accuracy'), rounded: positive when the scheme is ahead.",
          mistakes=(Mistake(lambda: _sgd_leads(in_images=False),
                            "those are differences of accuracy, fractions of the validation set; multiply by "
                            "the number of validation images (noise.evaluated_images)."),
                    Mistake(lambda: _sgd_leads(metric="test_accuracy"),
                            "those are test images: the comparison decides on validation accuracy "
                            "(noise.score), the test set only reports."),
                    Mistake(lambda: _sgd_leads(sign=-1.0),
                            "the sizes are right but the signs are swapped: take the scheme's accuracy "
                            "minus the fixed rate's."))),
    Check("ex-decay-good-rates", _STILL_FIXED,
          "a dict of the widths in decades of Adam's good band in the book's grid, one per scheme of "
          "grid_schemes('full'): {'fixed': ..., 'step': ..., ...}",
          expected=_good_rates, rtol=0.0, atol=0.05,
          idea="report.grid_table(results, tolerance=0.005) marks each run 'good' on validation accuracy; keep "
               "Adam's good rows and take log10 of each scheme's highest good initial rate over its lowest "
               "(report.band_width).",
          mistakes=(Mistake(lambda: _good_rates(count=True),
                            "those look like counts of good rates: a band's width is log10 of its highest "
                            "rate over its lowest, so two rates one decade apart are 1.0 decade wide (and if "
                            "you measured widths: half a point of accuracy is 0.005, not 0.5 or 0.05)."),)),
    Check("ex-decay-sgd-edge", _STILL_FIXED,
          "a list of validation-image counts, one per seed (seed 0 first)",
          expected=_band_edge, rtol=0.0, atol=0.5,
          idea="report.band_margins(results, repeats, 'sgd', rate, 'exponential') gives each seed's "
               "margin in images: its validation accuracy minus the cutoff (SGD's best run minus 0.005), "
               "times the number of validation images.",
          mistakes=(Mistake(lambda: _band_edge(in_images=False),
                            "those are margins of accuracy; turn them into validation images "
                            "(the 'margin in images' column)."),
                    Mistake(lambda: _band_edge(sign=-1.0),
                            "the sizes are right but the signs are swapped: a run outside the band "
                            "(below the cutoff) has a negative margin."),
                    Mistake(lambda: _band_edge(scheme="fixed"),
                            "those are the fixed rate's margins (band_margins' default scheme); pass "
                            "scheme='exponential'."))),
)
