"""Figures of results. Each function draws on an ``Axes`` (a new one if none is given) and
returns it; nothing here trains or reads files."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from .results import Result

METRIC_NAMES = {"loss": "training loss", "val_loss": "validation loss",
                "accuracy": "training accuracy", "val_accuracy": "validation accuracy"}
CHANCE_LOSS = math.log(10)  # cross-entropy of a uniform guess over ten digits


def _axes(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.figure(figsize=(7, 4)).add_subplot()


def plot_history(result: Result, ax: Axes | None = None, metrics: Sequence[str] = ("loss", "val_loss"),
                 title: str | None = None, log_scale: bool = False) -> Axes:
    """Per-epoch curves of one result, epochs counted from 1 as Keras prints them."""
    ax = _axes(ax)
    epochs = np.arange(1, result.epochs_run + 1)
    for metric in metrics:
        ax.plot(epochs, result.history[metric], marker=".", label=METRIC_NAMES.get(metric, metric))
    if result.diverged:
        ax.axvline(result.epochs_run, color="red", linestyle=":", label="stopped: diverged")
    ax.set_xlabel("epoch")
    ax.set_ylabel("categorical cross-entropy" if "loss" in metrics[0] else "accuracy")
    if log_scale:
        ax.set_yscale("log")
    ax.set_title(title or f"{result.experiment.label()} ({result.experiment.profile} profile)")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def run_labels(results: Sequence[Result]) -> list[str]:
    """Each run's label for a legend: the experiment's, with its seed where runs share one."""
    labels = [r.experiment.label() for r in results]
    return [f"{label}, seed {r.experiment.seed}" if labels.count(label) > 1 else label
            for label, r in zip(labels, results)]


def plot_loss_comparison(results: Sequence[Result], ax: Axes | None = None, metric: str = "val_loss",
                         log_scale: bool = True, show_chance: bool = True,
                         labels: Sequence[str] | None = None) -> Axes:
    """One ``metric`` curve per result on a shared axis, labelled by ``labels`` or the experiments."""
    ax = _axes(ax)
    for result, label in zip(results, labels or run_labels(results), strict=True):
        ax.plot(np.arange(1, result.epochs_run + 1), result.history[metric], marker=".", label=label)
    if show_chance and "loss" in metric:
        ax.axhline(CHANCE_LOSS, color="grey", linestyle="--", label="chance (ln 10)")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric.replace("_", " "))
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def good_band(results: Sequence[Result], tolerance: float = 0.005,
              metric: str = "val_accuracy") -> tuple[float, float] | None:
    """The lowest and highest swept value (``report.swept_value``: the initial rate, or a
    learning-rate-free optimizer's knob) whose ``metric`` (a validation accuracy: a band is a
    choice, so a test metric is refused) is within ``tolerance`` of the best."""
    from .report.adaptive import swept_value
    from .report.noise import score, selection_metric

    if selection_metric(metric) != "val_accuracy":
        raise ValueError(f"Argument `metric` must be 'val_accuracy'. Received: metric={metric!r}")
    if not results:
        return None
    scores = [score(r, metric) for r in results]
    best = max(scores)
    values = [swept_value(r) for r, value in zip(results, scores) if value >= best - tolerance]
    return min(values), max(values)


def swept_axis_label(optimizers: Sequence[str]) -> str:
    """The name of the axis a sweep of ``optimizers`` varies: the learning rate, a
    learning-rate-free optimizer's knob (``optimizers.RATE_FREE_OPTIMIZERS``), or both."""
    from .optimizers import RATE_FREE_OPTIMIZERS

    free = sorted({name for name in optimizers if name in RATE_FREE_OPTIMIZERS})
    knobs = [f"{RATE_FREE_OPTIMIZERS[name]} for {name}" for name in free]
    if free and set(free) == set(optimizers) and len({RATE_FREE_OPTIMIZERS[name] for name in free}) == 1:
        return f"{RATE_FREE_OPTIMIZERS[free[0]]} (log scale)"
    return "learning rate" + "".join(f", or {knob}" for knob in knobs) + " (log scale)"


def band_labels(optimizers: Sequence[str]) -> list[str]:
    """Each optimizer's name, with its knob where it is learning-rate free: what a band spans."""
    from .optimizers import RATE_FREE_OPTIMIZERS

    return [f"{name} ({RATE_FREE_OPTIMIZERS[name]})" if name in RATE_FREE_OPTIMIZERS else str(name)
            for name in optimizers]


def plot_sweep(results_by_optimizer: dict[str, Sequence[Result]], ax: Axes | None = None,
               tolerance: float = 0.005, show_bands: bool = True) -> Axes:
    """Validation accuracy (of the weights each run kept) against the swept value (log axis: the
    learning rate, or a learning-rate-free optimizer's knob, ``report.swept_value``), one line
    per optimizer, each optimizer's good band (within ``tolerance`` of its best) shaded unless
    ``show_bands`` is false (with many optimizers the shades overlap; see ``plot_bands``)."""
    from .report.adaptive import swept_value
    from .report.noise import score

    ax = _axes(ax)
    for optimizer, results in results_by_optimizer.items():
        ordered = sorted(results, key=swept_value)
        values = [swept_value(r) for r in ordered]
        line, = ax.plot(values, [score(r, "val_accuracy") for r in ordered], marker="o", label=optimizer)
        band = good_band(ordered, tolerance) if show_bands else None
        if band:
            # Widen a one-point band a little so that it stays visible.
            low, high = (band[0] / 1.5, band[1] * 1.5) if band[0] == band[1] else band
            ax.axvspan(low, high, color=line.get_color(), alpha=0.15,
                       label=f"{optimizer}: within {tolerance:.1%} of its best")
    ax.axhline(0.1, color="grey", linestyle="--", label="chance (10 %)")
    ax.set_xscale("log")
    ax.set_xlabel(swept_axis_label([r.experiment.optimizer for runs in results_by_optimizer.values() for r in runs]))
    ax.set_ylabel("validation accuracy")
    ax.set_ylim(0, 1.02)
    ax.legend(loc="best", fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_bands(table, ax: Axes | None = None) -> Axes:
    """Each optimizer's good band from ``report.band_width_table``: a thick bar over the good
    rates measured (a dot when only one is) and a thin line out to the nearest bad rates, where
    the true edges lie somewhere; an arrow where the band reaches the end of the grid."""
    ax = _axes(ax)
    for row, (optimizer, band) in enumerate(table.iterrows()):
        low, high = band["band from"], band["band to"]
        below = band["bad below"] if band["bad below"] > 0 else low
        above = band["bad above"] if np.isfinite(band["bad above"]) else high
        ax.plot([below, above], [row, row], color="grey", linewidth=1.5)
        ax.plot([low, high], [row, row], color="C0", linewidth=9, solid_capstyle="butt" if low < high else "round",
                marker="o" if low == high else None, markersize=9)
        for end, open_end in ((low, band["bad below"] == 0), (high, not np.isfinite(band["bad above"]))):
            if open_end:
                ax.annotate("", xy=(end * (0.4 if end == low else 2.5), row), xytext=(end, row),
                            arrowprops={"arrowstyle": "->", "color": "C0"})
    ax.set_yticks(range(len(table)), band_labels(table.index))
    ax.invert_yaxis()  # the first row of the table on top
    ax.set_xscale("log")
    ax.set_xlabel(swept_axis_label(list(table.index)))
    ax.grid(alpha=0.3, which="major", axis="x")
    return ax


def plot_range_test(test, ax: Axes | None = None, rules: Sequence[str] | None = None,
                    beta: float | None = None) -> Axes:
    """A range test (``lrlib.range_test.RangeTest``): each batch's loss (thin) and the smoothed
    loss (thick, ``beta`` or the test's own) against the rate on a log axis, with a dashed line
    at each suggestion of ``rules`` (default: every rule)."""
    from .range_test import SUGGESTIONS, smooth

    ax = _axes(ax)
    beta = test.beta if beta is None else beta
    ax.plot(test.rates, test.losses, color="C0", alpha=0.35, linewidth=1, label="loss of each batch")
    ax.plot(test.rates, smooth(test.losses, beta), color="C0", linewidth=2.2, label=f"smoothed (beta={beta:g})")
    for i, rule in enumerate(SUGGESTIONS if rules is None else rules):
        rate = test.suggestion(rule, beta)
        ax.axvline(rate, color=f"C{i + 1}", linestyle="--", label=f"{rule}: {rate:.2g}")
    finite = [loss for loss in test.losses if math.isfinite(loss)]
    if finite:  # keep the blow-up at the end from flattening the curve
        ax.set_ylim(min(finite) * 0.9, min(max(finite), 3 * finite[0]) * 1.05)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_suggestions_on_sweep(sweep: Sequence[Result], suggestions: Sequence[float], suggested: Result | None = None,
                              ax: Axes | None = None, tolerance: float = 0.005) -> Axes:
    """One optimizer's sweep (test accuracy against the rate) with its good band shaded, the
    range tests' ``suggestions`` (one per seed) as ticks along the top, and the run trained at
    the suggested rate (``suggested``) as a star."""
    from .report import good_band_width

    ax = _axes(ax)
    ordered = sorted(sweep, key=lambda r: r.experiment.learning_rate)
    ax.plot([r.experiment.learning_rate for r in ordered], [r.test_accuracy for r in ordered], marker="o",
            color="C0", label="sweep")
    band = good_band_width(ordered, tolerance)
    low, high = band["band from"], band["band to"]
    ax.axvspan(low / 1.3 if low == high else low, high * 1.3 if low == high else high, color="C0", alpha=0.15,
               label=f"good band (within {tolerance:.1%} of the best)")
    for i, rate in enumerate(suggestions):
        ax.axvline(rate, ymin=0.93, ymax=1.0, color="C3", linewidth=2, label="range-test suggestions" if i == 0 else None)
    if suggested is not None:
        ax.plot(suggested.experiment.learning_rate, suggested.test_accuracy, marker="*", markersize=16, color="C3",
                linestyle="none", label=f"trained at the suggestion: {suggested.test_accuracy:.4f}")
    ax.axhline(0.1, color="grey", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.05)
    ax.legend(fontsize="small", loc="lower left")
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_schedules(schedules_by_label: dict, epochs: int, steps_per_epoch: int = 1, ax: Axes | None = None,
                   log_scale: bool = False) -> Axes:
    """Each schedule's rate over ``epochs`` epochs (evaluated at every step), one line each."""
    ax = _axes(ax)
    steps = np.arange(epochs * steps_per_epoch)
    for label, schedule in schedules_by_label.items():
        if schedule.needs_steps_per_epoch:
            schedule = schedule.with_steps_per_epoch(steps_per_epoch)
        ax.plot(steps / steps_per_epoch, schedule.values(steps), label=label, drawstyle="steps-post")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    if log_scale:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_rates_used(results: Sequence[Result], ax: Axes | None = None, log_scale: bool = True,
                    labels: Sequence[str] | None = None) -> Axes:
    """The learning rate each run actually used in each epoch, as recorded in its result."""
    ax = _axes(ax)
    for result, label in zip(results, labels or run_labels(results), strict=True):
        ax.plot(np.arange(1, result.epochs_run + 1), result.history["learning_rate"], marker=".",
                drawstyle="steps-post", label=label)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate used")
    if log_scale:
        ax.set_yscale("log")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_grid_heatmap(table, optimizer: str, ax: Axes | None = None, floor: float = 0.9) -> Axes:
    """Test accuracy of one optimizer's runs as a scheme x initial-rate heatmap.

    ``table`` is ``report.grid_table(...)``. Colours span ``floor`` to the best accuracy, so that
    the differences between good runs stay visible; every cell prints its accuracy, and the cells
    of the ``good`` band (within the table's tolerance of the best) are framed.
    """
    ax = _axes(ax)
    rows = table[table["optimizer"] == optimizer]
    if rows.empty:
        raise ValueError(f"Argument `optimizer` has no runs in the table. Received: optimizer={optimizer!r}")
    schemes = list(dict.fromkeys(rows["scheme"]))
    rates = sorted(set(rows["initial rate"]))
    accuracy = rows.pivot_table(index="scheme", columns="initial rate", values="test accuracy").reindex(
        index=schemes, columns=rates)
    good = rows.pivot_table(index="scheme", columns="initial rate", values="good").reindex(
        index=schemes, columns=rates)
    best = float(np.nanmax(accuracy.to_numpy()))
    image = ax.imshow(accuracy.to_numpy(), cmap="viridis", vmin=min(floor, best - 1e-3), vmax=best, aspect="auto")
    for i, scheme in enumerate(schemes):
        for j, rate in enumerate(rates):
            value = accuracy.loc[scheme, rate]
            if np.isnan(value):
                continue
            ax.text(j, i, f"{value:.4f}", ha="center", va="center", fontsize="small",
                    color="black" if value > (floor + best) / 2 else "white")
            if good.loc[scheme, rate]:
                ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2))
    ax.set_xticks(range(len(rates)), [f"{rate:g}" for rate in rates])
    ax.set_yticks(range(len(schemes)), schemes)
    ax.set_xlabel("initial learning rate")
    ax.set_title(f"{optimizer}: test accuracy (framed: near the best)")
    ax.figure.colorbar(image, ax=ax, label="test accuracy", extend="min")
    return ax


def plot_gain_over_fixed(table, optimizer: str, ax: Axes | None = None) -> Axes:
    """Each decay scheme's test accuracy minus the fixed rate's at the same initial rate, in
    percentage points, as grouped bars per initial rate. ``table`` is ``report.grid_table(...)``.
    The axis is linear within +-1 point and logarithmic beyond, so that gains of a few test
    images and losses of half the test set fit on one figure."""
    ax = _axes(ax)
    rows = table[table["optimizer"] == optimizer]
    if rows.empty or "fixed" not in set(rows["scheme"]):
        raise ValueError(f"Argument `optimizer` needs fixed-rate and decayed runs in the table. "
                         f"Received: optimizer={optimizer!r}")
    accuracy = rows.pivot_table(index="initial rate", columns="scheme", values="test accuracy")
    schemes = [scheme for scheme in dict.fromkeys(rows["scheme"]) if scheme != "fixed"]
    gain = 100 * accuracy[schemes].sub(accuracy["fixed"], axis=0)
    width = 0.8 / len(schemes)
    for k, scheme in enumerate(schemes):
        ax.bar(np.arange(len(gain)) + (k - (len(schemes) - 1) / 2) * width, gain[scheme], width, label=scheme)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_xticks(range(len(gain)), [f"{rate:g}" for rate in gain.index])
    ax.set_xlabel("initial learning rate")
    ax.set_ylabel("test accuracy minus fixed rate's (points)")
    ax.set_title(f"{optimizer}: what decay adds to a fixed rate")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    return ax


def _variant_color(path) -> str:
    """One colour per optimizer variant, the same in every figure."""
    from .trajectories import ALL_VARIANTS

    return f"C{list(ALL_VARIANTS).index(path.variant) % 10}"


def plot_trajectories(trajectories: Sequence, ax: Axes | None = None) -> Axes:
    """Each ``trajectories.Trajectory`` as a path over its problem's contour lines (log-spaced
    levels), from the start (square) towards the minimum (star). Paths that leave the window are
    clipped by it."""
    ax = _axes(ax)
    problem = trajectories[0].problem
    x0, x1, y0, y1 = problem.extent
    x, y = np.meshgrid(np.linspace(x0, x1, 300), np.linspace(y0, y1, 300))
    loss = problem.loss(x, y)
    ax.contour(x, y, loss, levels=np.geomspace(max(loss.min(), 1e-3), loss.max(), 18), colors="grey",
               linewidths=0.5, alpha=0.6)
    for path in trajectories:
        ax.plot(path.points[:, 0], path.points[:, 1], marker=".", markersize=3, linewidth=1, color=_variant_color(path),
                label=f"{path.variant}: ends {path.distance_to_minimum:.2g} from the minimum")
    ax.plot(*problem.start, marker="s", color="black", linestyle="none", label="start")
    ax.plot(*problem.minimum, marker="*", markersize=12, color="black", linestyle="none", label="minimum")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(f"{problem.name}, lr {trajectories[0].learning_rate:g}")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=1)
    return ax


def plot_evaluated_paths(trajectories: Sequence, ax: Axes | None = None) -> Axes:
    """``plot_trajectories``, and for schedule-free AdamW also the path of x, the average it is
    evaluated at (thick), beside y, where it takes its gradients (thin, dotted): each label says
    how far the point that would be evaluated ends from the minimum."""
    ax = plot_trajectories(trajectories, ax=ax)
    for line in list(ax.get_lines())[:len(trajectories)]:
        line.remove()
    for path in trajectories:
        color = _variant_color(path)
        rate = "" if path.variant == "Prodigy" else f" (lr {path.learning_rate:g})"
        if path.evaluation_points is None:
            ax.plot(path.points[:, 0], path.points[:, 1], marker=".", markersize=3, linewidth=1, color=color,
                    label=f"{path.variant}{rate}: ends {path.distance_to_minimum:.2g} from the minimum")
            continue
        ax.plot(path.points[:, 0], path.points[:, 1], linestyle=":", linewidth=1, color=color,
                label=f"{path.variant}{rate}, y (gradients): ends {path.distance_to_minimum:.2g} from the minimum")
        ax.plot(path.evaluated[:, 0], path.evaluated[:, 1], linewidth=2.5, color=color,
                label=f"{path.variant}{rate}, x (evaluated): ends {path.evaluated_distance_to_minimum:.2g} "
                      "from the minimum")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[2:] + handles[:2], labels[2:] + labels[:2], fontsize="small", loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=1)
    ax.set_title(trajectories[0].problem.name)
    return ax


def plot_distances(trajectories: Sequence, ax: Axes | None = None) -> Axes:
    """How far each path's evaluated point (x for schedule-free AdamW, dotted: its y) lies from
    the minimum, against the step (log y)."""
    ax = _axes(ax)
    for path in trajectories:
        minimum = np.asarray(path.problem.minimum)
        steps = np.arange(len(path.points))
        ax.plot(steps, np.hypot(*(path.evaluated - minimum).T), color=_variant_color(path),
                label=path.variant + (", x" if path.evaluation_points is not None else ""))
        if path.evaluation_points is not None:
            ax.plot(steps, np.hypot(*(path.points - minimum).T), color=_variant_color(path), linestyle=":",
                    label=f"{path.variant}, y")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("distance to the minimum")
    ax.set_title("the evaluated point's distance to the minimum")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_step_sizes(trajectories: Sequence, ax: Axes | None = None) -> Axes:
    """Each path's effective rate per coordinate, |move| / |gradient|, against the step (log y):
    flat for SGD, changing for the adaptive optimizers. (With momentum the move is not made of
    the current gradient alone, and the ratio spikes where the gradient nears zero.)"""
    ax = _axes(ax)
    for path in trajectories:
        steps = np.arange(1, len(path.step_sizes) + 1)
        ax.plot(steps, path.step_sizes[:, 0], color=_variant_color(path), label=f"{path.variant}: x (flat)")
        ax.plot(steps, path.step_sizes[:, 1], linestyle="--", color=_variant_color(path), label=f"{path.variant}: y (steep)")
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("|move| / |gradient|")
    ax.set_title("effective rate in each coordinate")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2)
    ax.grid(alpha=0.3, which="both")
    return ax


def plot_cycle_run(result: Result, ax: Axes | None = None, metric: str = "val_loss") -> Axes:
    """One run on a cyclical schedule: its rate at every step (drawn from the schedule and the
    run's steps per epoch; the stored per-epoch rate is too coarse for a cycle), and ``metric``
    at the end of each epoch on a second axis, the epoch whose weights were kept marked."""
    schedule, steps_per_epoch = result.experiment.learning_rate, result.steps_per_epoch
    if not hasattr(schedule, "values") or not steps_per_epoch:
        raise ValueError("Argument `result` must be a run on a schedule that stored its steps per epoch. "
                         f"Received: {result.experiment.label()}, steps_per_epoch={steps_per_epoch}")
    ax = _axes(ax)
    steps = np.arange(result.epochs_run * steps_per_epoch)
    ax.plot(steps / steps_per_epoch, schedule.values(steps), color="0.6", linewidth=1, label="learning rate")
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate")
    twin = ax.twinx()
    epochs = np.arange(1, result.epochs_run + 1)
    values = np.asarray(result.history[metric])
    twin.plot(epochs, values, marker=".", color="C0", label=metric)
    best = int(np.argmin(values) if metric.endswith("loss") else np.argmax(values))
    twin.plot(epochs[best], values[best], marker="*", markersize=14, color="C3", linestyle="none",
              label=f"best {metric} (epoch {best + 1})")
    twin.set_ylabel(metric)
    twin.legend(loc="upper right", fontsize="small")
    ax.grid(alpha=0.3)
    return ax


def plot_budget_curves(table, target: float, ax: Axes | None = None, log_x: bool = False) -> Axes:
    """The median of ``report.budget_table``'s metric (validation accuracy in the book) against the
    epoch budget, one line per strategy, with the ``target`` as a dashed line. The accuracy axis zooms in
    on the target (1.5 points below it) unless every median lies further down; ``log_x`` spreads
    out the short budgets, with the budgets as plain numbers."""
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    ax = _axes(ax)
    for name, rows in table.groupby("strategy", sort=False):
        ax.plot(rows["epochs"], rows["median"], marker="o", label=name)
    ax.axhline(target, color="0.3", linestyle="--", linewidth=1, label=f"target {target:g}")
    low, high = table["median"].min(), table["median"].max()
    bottom = low if high < target - 0.015 else max(low, target - 0.015)
    ax.set_ylim(bottom - 0.002, min(max(high, target) + 0.002, 1.0))
    if log_x:
        ax.set_xscale("log")
        budgets = sorted(set(table["epochs"]))
        ax.set_xticks([b for b in budgets if b <= 5 or b % 5 == 0])
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("epoch budget")
    ax.set_ylabel("median test accuracy")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return ax
