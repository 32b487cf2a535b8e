import dataclasses
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from lrlib import Experiment, plots, report  # noqa: E402
from lrlib.catalog import decay_schedule, fixed_lr  # noqa: E402
from lrlib import schedules  # noqa: E402
from lrlib.widgets import DecayExplorer, RateExplorer, ResultBrowser, TieExplorer, TrainPanel  # noqa: E402

from test_results import make_result  # noqa: E402


def result_at(rate, accuracy=0.9, optimizer="adam", val_loss=(1.0, 0.8, 0.9, 0.7, 0.75)):
    base = make_result(Experiment(optimizer, rate, profile="tiny"), loss=tuple(range(len(val_loss), 0, -1)))
    history = {**base.history, "val_loss": list(val_loss)}
    return type(base)(**{**base.__dict__, "history": history, "test_accuracy": accuracy})


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_history_draws_each_metric_against_epochs_from_one():
    result = result_at(0.01)
    ax = plots.plot_history(result, log_scale=True)
    assert [line.get_label() for line in ax.lines] == ["training loss", "validation loss"]
    assert list(ax.lines[0].get_xdata()) == [1, 2, 3, 4, 5]
    assert ax.get_yscale() == "log"


def test_plot_history_marks_a_diverged_run():
    result = result_at(0.01)
    diverged = type(result)(**{**result.__dict__, "diverged": True, "divergence_reason": "nan"})
    assert "stopped: diverged" in [line.get_label() for line in plots.plot_history(diverged).lines]


def test_plot_loss_comparison_one_line_per_result_and_chance():
    ax = plots.plot_loss_comparison([result_at(0.01), result_at(0.1)])
    labels = [line.get_label() for line in ax.lines]
    assert labels[:2] == ["adam lr=0.01", "adam lr=0.1"] and "chance (ln 10)" in labels
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(math.log(10))


def validated_at(rate, val_accuracy, test_accuracy=0.9):
    result = result_at(rate, test_accuracy)
    history = {**result.history, "val_accuracy": [val_accuracy] * len(result.history["val_loss"])}
    return type(result)(**{**result.__dict__, "history": history})


def test_good_band_against_a_hand_computed_case_on_validation():
    # Test accuracy would put the best at 1e-1 alone: the band is read on validation.
    results = [validated_at(r, a, test_accuracy=0.999 if r == 1e-1 else 0.5)
               for r, a in [(1e-5, 0.5), (1e-4, 0.986), (1e-3, 0.99), (1e-2, 0.987), (1e-1, 0.1)]]
    assert plots.good_band(results, tolerance=0.005) == (1e-4, 1e-2)
    assert plots.good_band(results, tolerance=0.0) == (1e-3, 1e-3)
    assert plots.good_band([]) is None
    for metric in ("test_accuracy", "val_loss"):
        with pytest.raises(ValueError, match=f"metric='{metric}'"):
            plots.good_band(results, metric=metric)


def test_plot_sweep_uses_a_log_axis_and_sorted_rates():
    runs = [validated_at(r, a) for r, a in [(1e-2, 0.98), (1e-4, 0.9), (1e-3, 0.99)]]
    ax = plots.plot_sweep({"adam": runs, "sgd": [validated_at(0.5, 0.99)]})
    assert ax.get_xscale() == "log"
    assert list(ax.lines[0].get_xdata()) == [1e-4, 1e-3, 1e-2]
    assert list(ax.lines[0].get_ydata()) == [0.9, 0.99, 0.98]


def test_comparison_table_puts_the_article_beside_our_numbers():
    chosen = fixed_lr("tiny")[:2]
    table = report.comparison_table(chosen, [result_at(0.001, 0.95), result_at(0.5, 0.1)])
    assert isinstance(table, pd.DataFrame) and list(table.index) == ["baseline", "too large"]
    assert table.loc["baseline", "article: test accuracy"] == 0.9919
    assert table.loc["baseline", "ours: test accuracy"] == 0.95
    with pytest.raises(ValueError):
        report.comparison_table(chosen, [result_at(0.001)])


def test_article_figures_text_is_fixed_width():
    lines = report.article_figures_text(fixed_lr("tiny")).splitlines()
    assert len(lines) == 6 and len({len(line) for line in lines}) == 1
    assert lines[1].split() == ["baseline", "0.001", "0.0286", "0.9919"]


def test_epoch_to_epoch_variation_matches_the_formula():
    result = result_at(0.01, val_loss=(2.0, 1.0, 0.5, 0.7, 0.4, 0.6, 0.5, 0.8))
    # skip the first quarter (2 of 8 epochs): changes 0.2, 0.3, 0.2, 0.1, 0.3
    assert report.epoch_to_epoch_variation(result) == pytest.approx(0.22)
    assert report.epoch_to_epoch_variation(result, skip=0) == pytest.approx((1 + 0.5 + 0.2 + 0.3 + 0.2 + 0.1 + 0.3) / 7)


def test_glue_is_harmless_without_myst_nb(monkeypatch):
    import importlib.util

    import IPython.display

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "myst_nb" else real_find_spec(name, *a))
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: pytest.fail("displayed without myst-nb"))
    assert report.glue("x", 1) is None


@pytest.mark.parametrize("value", ["0.9919", 3, pd.DataFrame({"a": [1, 2]})])
def test_glue_displays_what_myst_nb_glue_displays(monkeypatch, value):
    import IPython.display
    import myst_nb.ext.glue

    shown = []
    monkeypatch.setattr(myst_nb.ext.glue, "ipy_display", lambda *a, **k: shown.append((a, k)))
    myst_nb.ext.glue.glue("name", value, display=False)
    monkeypatch.setattr(IPython.display, "display", lambda *a, **k: shown.append((a, k)))
    report.glue("name", value)
    assert len(shown) == 2 and shown[0] == shown[1]
    assert all(mime.startswith(report.common.GLUE_PREFIX) for mime in shown[1][0][0])


def test_rate_explorer_shows_stored_runs_and_never_trains(monkeypatch):
    import lrlib.training

    monkeypatch.setattr(lrlib.training, "train", lambda *a, **k: pytest.fail("the slider trained"))
    runs = [result_at(r, 0.9, "adam") for r in (1e-4, 1e-3, 1e-2)] + [result_at(0.5, 0.95, "sgd")]
    explorer = RateExplorer(runs)
    assert [label for label, _ in explorer.rate.options] == ["0.0001", "0.001", "0.01"]
    assert [r.experiment.learning_rate for r in explorer.current] == [1e-3]
    assert [r.experiment.learning_rate for r in explorer.select(1e-2)] == [1e-2]
    explorer.optimizer.value = "sgd"
    assert explorer.current[0].experiment.optimizer == "sgd" and explorer.rate.value == 0.5
    assert len(explorer.widget.children) == 3  # optimizer, slider, output


def test_rate_explorer_needs_results():
    with pytest.raises(ValueError, match="results"):
        RateExplorer([])


def test_train_panel_trains_only_when_the_button_is_pressed():
    calls = []

    def fake_run(experiment, **options):
        calls.append((experiment, options))
        return result_at(experiment.learning_rate)

    panel = TrainPanel("adam", 1e-3, trainer=fake_run)
    panel.rate.value = 1e-2
    panel.optimizer.value = "sgd"
    assert calls == []  # moving the controls trains nothing
    panel.button.click()
    (experiment, options), = calls
    assert (experiment.optimizer, experiment.profile) == ("sgd", "quick")
    assert experiment.learning_rate == pytest.approx(1e-2)
    assert options == {"verbose": False, "progress": True}
    assert panel.last_result.experiment.learning_rate == pytest.approx(1e-2)
    assert not panel.button.disabled


@pytest.mark.parametrize("rate", [-1.0, math.nan, 10.0, 1e-9])
def test_train_panel_validates_its_starting_point(rate):
    with pytest.raises(ValueError, match="learning_rate"):
        TrainPanel("adam", rate)  # 10 and 1e-9 lie outside the slider: refused, not clamped


def test_train_panel_shows_a_failed_first_training_instead_of_crashing():
    def failing(experiment, **options):
        raise OSError("no MNIST here")

    panel = TrainPanel("adam", 1e-3, trainer=failing)
    assert panel.train() is None
    assert panel.last_result is None and isinstance(panel.error, OSError) and not panel.button.disabled
    assert "Training failed: OSError: no MNIST here" in panel.output.outputs[-1]["text"]


def test_train_panel_never_shows_the_previous_run_after_a_failure():
    outcomes = iter([result_at(1e-3), RuntimeError("out of memory")])

    def trainer(experiment, **options):
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    panel = TrainPanel("adam", 1e-3, trainer=trainer)
    assert panel.train() is not None
    panel.button.click()
    assert panel.last_result is None
    texts = [o.get("text", "") for o in panel.output.outputs]
    assert texts == ["Training failed: RuntimeError: out of memory\n"]  # no figure, no old summary


def test_rate_sliders_refuse_nan_and_values_outside_their_range():
    import traitlets

    panel = TrainPanel("adam", 1e-3, trainer=lambda *a, **k: pytest.fail("trained"))
    for bad in (math.nan, 10.0, 1e-9):
        with pytest.raises(traitlets.TraitError, match="learning rate must lie in"):
            panel.rate.value = bad
    assert panel.rate.value == pytest.approx(1e-3)
    panel.rate.value = 1.0  # the ends of the range are fine
    assert panel.rate.value == 1.0


def test_rate_explorer_takes_decay_results_and_keeps_every_seed():
    decayed = [make_result(Experiment("sgd", decay_schedule(scheme, 0.1, 2), profile="tiny"))
               for scheme in ("step", "time")]
    seeds = [make_result(Experiment("adam", 1e-3, seed=seed, profile="tiny")) for seed in (0, 1, 2)]
    explorer = RateExplorer(decayed + seeds)
    assert [label for label, _ in explorer.rate.options] == ["0.001"]
    assert [r.experiment.seed for r in explorer.current] == [0, 1, 2]
    explorer.optimizer.value = "sgd"
    assert [label for label, _ in explorer.rate.options] == ["0.1"] and explorer.current == decayed
    summary = explorer.output.outputs[-1]["text"]
    assert "step_decay" in summary and "time_decay" in summary


@pytest.mark.parametrize("arguments, name", [({"epochs": 1}, "epochs=1"), ({"epochs": 0}, "epochs=0"),
                                             ({"initial_rate": math.nan}, "initial_rate=nan"),
                                             ({"initial_rate": 5.0}, "initial_rate=5.0")])
def test_decay_explorer_refuses_what_it_cannot_draw(arguments, name):
    with pytest.raises(ValueError) as raised:
        DecayExplorer(**arguments)
    assert name in str(raised.value)


def test_decay_schedule_needs_two_epochs():
    with pytest.raises(ValueError, match="epochs=1"):
        decay_schedule("time", 0.1, 1)


def test_plot_schedules_draws_rates_per_epoch():
    ax = plots.plot_schedules({"step": schedules.step_decay(0.1, 0.5, 2)}, epochs=6, steps_per_epoch=3)
    line = ax.lines[0]
    assert list(line.get_xdata())[:4] == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert list(line.get_ydata())[::3] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_decay_explorer_follows_its_sliders():
    explorer = DecayExplorer(initial_rate=0.01, epochs=25)
    last = {k: float(s.with_steps_per_epoch(1).values(24)) for k, s in explorer.schedules().items()}
    assert last["linear"] == pytest.approx(0.001) and last["time"] == pytest.approx(0.001)
    assert last["exponential"] == pytest.approx(0.001) and last["step"] == pytest.approx(0.00125)
    explorer.initial_rate.value = 0.1
    explorer.step_every.value = 5
    step = explorer.schedules()["step"].with_steps_per_epoch(1)
    assert float(step.values(0)) == pytest.approx(0.1) and float(step.values(5)) == pytest.approx(0.05)


def test_plot_rates_used_draws_the_recorded_rates():
    result = result_at(0.01)
    ax = plots.plot_rates_used([result])
    assert list(ax.lines[0].get_ydata()) == result.history["learning_rate"] and ax.get_yscale() == "log"


def test_result_browser_switches_groups_without_training(monkeypatch):
    import lrlib.training

    monkeypatch.setattr(lrlib.training, "train", lambda *a, **k: pytest.fail("the slider trained"))
    groups = {"fixed": [result_at(0.01)], "decayed": [result_at(0.1), result_at(0.001)]}
    browser = ResultBrowser(groups, description="scheme")
    assert browser.current == groups["fixed"]
    browser.choice.value = "decayed"
    assert browser.current == groups["decayed"]
    with pytest.raises(ValueError, match="groups"):
        ResultBrowser({"empty": []})


def with_val_accuracy(result, accuracy):
    """``result`` with ``accuracy`` as its validation accuracy in every epoch (so at the kept one)."""
    history = {**result.history, "val_accuracy": [accuracy] * len(result.history["val_accuracy"])}
    return type(result)(**{**result.__dict__, "history": history})


def grid_of(cells, test_offset=0.0, seed=0):
    """Results of a small decay grid: ``cells`` maps (optimizer, scheme, rate) to validation
    accuracy; the test accuracy is the same plus ``test_offset`` (a dict by cell, or one number)."""
    def rate_for(scheme, rate):
        return rate if scheme == "fixed" else decay_schedule(scheme, rate, 5)

    def offset(cell):
        return test_offset.get(cell, 0.0) if isinstance(test_offset, dict) else test_offset

    runs = []
    for cell, accuracy in cells.items():
        optimizer, scheme, rate = cell
        run = with_val_accuracy(result_at(rate_for(scheme, rate), accuracy + offset(cell), optimizer), accuracy)
        if seed:
            run = type(run)(**{**run.__dict__, "experiment": dataclasses.replace(run.experiment, seed=seed)})
        runs.append(run)
    return runs


GRID = {("adam", "fixed", 1e-3): 0.990, ("adam", "step", 1e-3): 0.9895, ("adam", "time", 1e-3): 0.980,
        ("adam", "fixed", 1e-2): 0.970, ("adam", "step", 1e-2): 0.992, ("adam", "time", 1e-2): 0.9915,
        ("sgd", "fixed", 1e-1): 0.950, ("sgd", "step", 1e-1): 0.940, ("sgd", "time", 1e-1): 0.949}


def test_scheme_of_names_fixed_rates_and_decays():
    assert report.scheme_of(result_at(0.01)) == "fixed"
    assert report.scheme_of(result_at(decay_schedule("exponential", 0.1, 5))) == "exponential"


def test_grid_table_marks_runs_near_each_optimizers_best():
    table = report.grid_table(grid_of(GRID, test_offset=0.001), tolerance=0.005).set_index(
        ["optimizer", "scheme", "initial rate"])
    assert table.loc[("adam", "step", 1e-2), "val accuracy"] == pytest.approx(0.992)
    assert table.loc[("adam", "step", 1e-2), "test accuracy"] == pytest.approx(0.993)
    assert set(table["seed"]) == {0}
    good = set(table.index[table["good"]])
    # Adam's best is 0.992: 0.990, 0.9895, 0.9915 are within 0.005, 0.980 and 0.970 are not;
    # SGD's best is 0.950: 0.949 is within, 0.940 is not.
    assert good == {("adam", "fixed", 1e-3), ("adam", "step", 1e-3), ("adam", "step", 1e-2),
                    ("adam", "time", 1e-2), ("sgd", "fixed", 1e-1), ("sgd", "time", 1e-1)}


def test_grid_table_and_scheme_winners_choose_on_validation_and_refuse_a_test_metric():
    # On test, time would be Adam's best at 0.01 and the fixed rate good; validation decides.
    runs = grid_of(GRID, test_offset={("adam", "time", 1e-2): 0.01, ("adam", "fixed", 1e-2): 0.02})
    table = report.grid_table(runs, tolerance=0.005)
    winners = report.scheme_winners(table)
    assert winners.loc[("adam", 1e-2), "best scheme"] == "step"
    assert winners.loc[("adam", 1e-2), "test accuracy"] == pytest.approx(0.992)  # reported beside, not chosen on
    assert not table.set_index(["optimizer", "scheme", "initial rate"]).loc[("adam", "fixed", 1e-2), "good"]
    for refused in (lambda: report.grid_table(runs, metric="test_accuracy"),
                    lambda: report.scheme_winners(table, metric="test_accuracy")):
        with pytest.raises(ValueError, match="validation metric.*the test set only reports"):
            refused()
    by_loss = report.grid_table(runs, metric="val_loss")
    assert "val loss" in by_loss.columns and by_loss["good"].all()  # every run has the same validation loss


def test_scheme_winners_names_the_best_scheme_its_gain_and_ties():
    winners = report.scheme_winners(report.grid_table(grid_of(GRID)))
    assert list(winners["best scheme"]) == ["fixed", "step", "fixed"]
    assert winners.loc[("adam", 1e-2), "gain over fixed"] == pytest.approx(0.022)
    assert winners.loc[("adam", 1e-2), "tied with the best"] == "step"
    tied = report.scheme_winners(report.grid_table(grid_of(GRID)), tie=0.001)
    assert tied.loc[("adam", 1e-2), "tied with the best"] == "step, time"
    assert tied.loc[("sgd", 1e-1), "tied with the best"] == "fixed, time"
    with pytest.raises(ValueError, match="tie=-0.1"):
        report.scheme_winners(report.grid_table(grid_of(GRID)), tie=-0.1)
    twice = report.grid_table(grid_of(GRID) + grid_of(GRID))
    with pytest.raises(ValueError, match="9 repeated runs"):
        report.scheme_winners(twice)


def test_plot_grid_heatmap_prints_every_cell_and_frames_the_good_ones():
    table = report.grid_table(grid_of(GRID), tolerance=0.005)
    ax = plots.plot_grid_heatmap(table, "adam")
    assert sorted(text.get_text() for text in ax.texts) == sorted(f"{a:.4f}" for (o, _, _), a in GRID.items() if o == "adam")
    assert [label.get_text() for label in ax.get_xticklabels()] == ["0.001", "0.01"]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["fixed", "step", "time"]
    assert len(ax.patches) == 4  # the four good Adam runs
    with pytest.raises(ValueError, match="optimizer='rmsprop'"):
        plots.plot_grid_heatmap(table, "rmsprop")


def test_tie_explorer_widens_the_ties_as_the_slider_moves():
    explorer = TieExplorer(report.grid_table(grid_of(GRID)), tie=0.0)
    assert explorer.winners().loc[("adam", 1e-2), "tied with the best"] == "step"
    explorer.tie.value = 0.001
    assert explorer.winners().loc[("adam", 1e-2), "tied with the best"] == "step, time"
    with pytest.raises(ValueError, match="table"):
        TieExplorer(report.grid_table(grid_of(GRID)).iloc[:0])


def test_plot_gain_over_fixed_draws_each_schemes_difference_in_points():
    ax = plots.plot_gain_over_fixed(report.grid_table(grid_of(GRID)), "adam")
    bars = {container.get_label(): [b.get_height() for b in container] for container in ax.containers}
    assert bars["step"] == pytest.approx([-0.05, 2.2]) and bars["time"] == pytest.approx([-1.0, 2.15])
    assert len(ax.patches) == 4 and ax.get_yscale() == "symlog"
    with pytest.raises(ValueError, match="optimizer='sgd'"):
        plots.plot_gain_over_fixed(report.grid_table(grid_of({("sgd", "step", 0.1): 0.9})), "sgd")


def test_widgets_replace_their_output_in_one_update_and_close_their_figures():
    # No capture context (nbclient#312): the figure and the summaries land in `outputs` directly.
    browser = ResultBrowser({"two runs": [result_at(0.01), result_at(0.1)]})
    kinds = [output["output_type"] for output in browser.output.outputs]
    assert kinds == ["display_data", "stream"]
    assert "adam lr=0.1, seed 0: test loss" in browser.output.outputs[1]["text"]
    assert plt.get_fignums() == []
    explorer = TieExplorer(report.grid_table(grid_of(GRID)))
    caption, table = explorer.output.outputs
    assert caption["output_type"] == "stream" and "within 0.10% of the best scheme" in caption["text"]
    assert "best scheme" in table["data"]["text/plain"]


def test_trajectory_plots_draw_each_path_in_its_optimizers_colour():
    from lrlib import trajectories

    paths = [trajectories.trajectory(v, 0.01, steps=20) for v in ("SGD", "Adam")]
    ax = plots.plot_trajectories(paths)
    drawn = [line for line in ax.lines if line.get_label().startswith(("SGD", "Adam"))]
    assert [len(line.get_xdata()) for line in drawn] == [21, 21]
    steps = plots.plot_step_sizes(paths[::-1])  # another order, the same colours
    assert steps.get_yscale() == "log" and len(steps.lines) == 4
    colour = {line.get_label().split(":")[0]: line.get_color() for line in drawn}
    assert all(line.get_color() == colour[line.get_label().split(":")[0]] for line in steps.lines)


def test_trajectory_explorer_redraws_from_its_controls():
    from lrlib.widgets import TrajectoryExplorer

    explorer = TrajectoryExplorer(("SGD",), learning_rate=0.01, steps=50)
    assert [p.variant for p in explorer.paths()] == ["SGD"] and len(explorer.paths()[0].points) == 51
    explorer.variants.value = ("SGD", "Adam")
    explorer.steps.value = 20
    explorer.rate.value = 0.1
    paths = explorer.paths()
    assert [p.variant for p in paths] == ["SGD", "Adam"] and paths[1].learning_rate == pytest.approx(0.1)
    assert explorer.output.outputs[0]["output_type"] == "display_data"
    explorer.variants.value = ()
    assert "Choose at least one optimizer" in explorer.output.outputs[0]["text"]


@pytest.mark.parametrize("arguments, message", [({"variants": ("Adamm",)}, "variants"), ({"variants": ()}, "variants"),
                                                ({"problem": "bowl"}, "problem='bowl'"),
                                                ({"learning_rate": 5.0}, "learning_rate=5.0"),
                                                ({"steps": 5}, "steps=5")])
def test_trajectory_explorer_refuses_what_it_cannot_draw(arguments, message):
    from lrlib.widgets import TrajectoryExplorer

    with pytest.raises(ValueError, match=message):
        TrajectoryExplorer(**arguments)


def with_accuracy(result, accuracy):
    """``result`` with ``accuracy`` as its validation accuracy after every epoch (what a band is
    chosen on) as well as its test accuracy."""
    history = {**result.history, "val_accuracy": [accuracy] * len(result.history["val_accuracy"])}
    return type(result)(**{**result.__dict__, "history": history, "test_accuracy": accuracy})


def runs_with_accuracies(optimizer, accuracies, rates=(1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0)):
    return [with_accuracy(result_at(rate, accuracy, optimizer), accuracy)
            for rate, accuracy in zip(rates, accuracies, strict=True)]


def full_runs(optimizer, accuracies, rates=(1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0), seed=0):
    """Runs of the full profile (12,000 validation images) at ``rates`` with ``accuracies``."""
    return [with_accuracy(make_result(Experiment(optimizer, rate, seed=seed, profile="full"), loss=(1.0,)),
                              accuracy) for rate, accuracy in zip(rates, accuracies, strict=True)]


def test_good_band_width_brackets_the_band_in_decades():
    runs = runs_with_accuracies("adam", [0.5, 0.97, 0.990, 0.992, 0.988, 0.11, 0.10])
    band = report.good_band_width(runs, tolerance=0.005)
    assert (band["best rate"], band["band from"], band["band to"]) == (1e-2, 1e-3, 1e-1)
    assert band["width"] == pytest.approx(2.0) and band["width_at_most"] == pytest.approx(4.0)
    assert report.good_band_width(runs, tolerance=0.0)["width"] == 0.0  # only the best


def test_a_good_rate_cut_off_by_a_bad_one_is_not_in_the_band_and_edges_of_the_grid_are_open():
    runs = runs_with_accuracies("sgd", [0.99, 0.5, 0.99, 0.991, 0.99, 0.99, 0.99])
    band = report.good_band_width(runs, tolerance=0.005)
    assert (band["band from"], band["band to"]) == (1e-3, 10.0)
    assert band["width"] == pytest.approx(4.0) and band["width_at_most"] == float("inf")


def test_band_width_table_has_one_row_per_optimizer_widest_first():
    table = report.band_width_table(runs_with_accuracies("adam", [0.5, 0.97, 0.99, 0.99, 0.99, 0.2, 0.1])
                                    + runs_with_accuracies("sgd", [0.1, 0.1, 0.9, 0.98, 0.99, 0.99, 0.1]))
    assert list(table.index) == ["adam", "sgd"] and list(table["width"]) == pytest.approx([2.0, 1.0])


@pytest.mark.parametrize("runs, message", [([], "results=\\[\\]"), ("mixed", "one optimizer")])
def test_good_band_width_needs_runs_of_one_optimizer(runs, message):
    if runs == "mixed":
        runs = [result_at(0.1, 0.9, "adam"), result_at(0.1, 0.9, "sgd")]
    with pytest.raises(ValueError, match=message):
        report.good_band_width(runs)


def test_epochs_to_accuracy_and_the_optimizer_table():
    result = result_at(0.001)
    history = {**result.history, "val_accuracy": [0.95, 0.985, 0.991, 0.99, 0.993]}
    result = type(result)(**{**result.__dict__, "history": history})
    assert report.epochs_to_accuracy(result) == 3 and report.epochs_to_accuracy(result, 0.999) is None
    scenario = fixed_lr("tiny")[0]
    table = report.optimizer_table([scenario], [result])
    row = table.loc["baseline"]
    assert row["epochs to 99% val. accuracy"] == "3" and row["article: test accuracy"] == pytest.approx(0.9919)
    assert row["outcome"] == "learned"


def test_seed_repeats_groups_runs_that_differ_only_in_their_seed():
    def seeds(rate, accuracies):
        return [make_result(Experiment("adam", rate, seed=seed, profile="tiny"), test_accuracy=accuracy)
                for seed, accuracy in enumerate(accuracies)]

    mixed = seeds(0.01, [0.987, 0.988]) + [result_at(0.5)] + seeds(0.1, [0.98, 0.9805])
    assert [len(group) for group in report.seed_repeats(mixed)] == [2, 2]


def test_test_images_follow_the_profile():
    assert report.test_images(result_at(0.1)) == 200  # tiny
    full = make_result(Experiment("adam", 0.001, profile="full"), loss=(1.0,) * 25)
    assert report.test_images(full) == 10_000


def test_good_band_width_names_the_bad_neighbours_and_the_cutoff():
    band = report.good_band_width(runs_with_accuracies("adam", [0.5, 0.97, 0.990, 0.992, 0.988, 0.11, 0.10]))
    assert (band["bad below"], band["bad above"]) == (1e-4, 1.0) and band["cutoff"] == pytest.approx(0.987)
    whole = report.good_band_width(runs_with_accuracies("sgd", [0.99] * 7))
    assert (whole["bad below"], whole["bad above"]) == (0.0, math.inf)


def test_good_band_width_counts_other_seeds_at_one_rate_by_their_median():
    runs = runs_with_accuracies("adam", [0.5, 0.97, 0.990, 0.992, 0.9865, 0.11, 0.10])
    assert report.good_band_width(runs)["band to"] == 1e-2  # 0.9865 misses the 0.987 cutoff
    repeated = runs + [with_accuracy(make_result(Experiment("adam", 1e-1, seed=seed, profile="tiny")), accuracy)
                       for seed, accuracy in ((1, 0.9875), (2, 0.9890))]
    band = report.good_band_width(repeated)
    assert band["band to"] == 1e-1 and band["width"] == pytest.approx(2.0)  # the median 0.9875 makes it


def test_good_band_width_chooses_on_validation_and_reports_the_test_accuracy_beside_it():
    runs = runs_with_accuracies("adam", [0.5, 0.97, 0.990, 0.992, 0.988, 0.11, 0.10])
    runs[2] = type(runs[2])(**{**runs[2].__dict__, "test_accuracy": 0.999})  # best on test, not on validation
    band = report.good_band_width(runs)
    assert band["best rate"] == 1e-2 and band["best accuracy"] == 0.992 and band["best test accuracy"] == 0.992
    for metric in ("test_accuracy", "test_loss"):
        with pytest.raises(ValueError, match="validation metric.*the test set only reports the chosen setting"):
            report.good_band_width(runs, metric=metric)
    with pytest.raises(ValueError, match="validation accuracy"):
        report.good_band_width(runs, metric="val_loss")
    with pytest.raises(ValueError, match="validation metric"):
        report.band_width_table(runs, metric="test_accuracy")
    with pytest.raises(ValueError, match="validation metric"):
        report.noisy_band_edges(runs, metric="test_accuracy")
    with pytest.raises(ValueError, match="validation metric"):
        report.repeated_cells_table(runs, runs[:1], metric="test_accuracy")


def test_noisy_band_edges_are_the_edge_cells_within_the_noise_of_the_cutoff():
    # adam: cutoff 0.987; 1e-1 (0.9875, good) and 1e-4 (0.9855, bad) hang within the noise of it
    # (the seed noise given, 0.002, or the sampling error of 12,000 validation images, about
    # 0.0024), 1e-3 (0.990) is an edge too but clear of the cutoff by 36 images.
    adam = full_runs("adam", [0.5, 0.9855, 0.990, 0.992, 0.9875, 0.11, 0.10])
    sgd = full_runs("sgd", [0.1, 0.1, 0.9, 0.98, 0.99, 0.95, 0.1])
    assert report.noisy_band_edges(adam + sgd, seed_noise=0.002) == [("adam", 1e-4), ("adam", 1e-1)]
    edges = report.band_edges(adam + sgd, seed_noise=0.002)
    assert list(edges.loc["adam"].index) == [1e-4, 1e-3, 1e-1, 1.0] and list(edges.loc["sgd"].index) == [1e-2, 1.0]
    row = edges.loc[("adam", 1e-3)]
    assert row["edge"] == "lowest good" and row["from cutoff (images)"] == 36 and row["decided"]
    assert row["noise (images)"] == round(report.noise.difference_sampling_error(0.990, 0.992, 12_000) * 12_000)
    assert edges.loc[("adam", 1e-4), "from cutoff (images)"] == -18
    assert report.noisy_band_edges(adam + sgd, seed_noise=0.05) == [("adam", 1e-4), ("adam", 1e-3), ("adam", 1e-1),
                                                                    ("sgd", 1e-2), ("sgd", 1.0)]


def test_plot_bands_draws_one_row_per_optimizer_with_the_bad_neighbours():
    table = report.band_width_table(runs_with_accuracies("adam", [0.5, 0.97, 0.99, 0.99, 0.99, 0.2, 0.1])
                                    + runs_with_accuracies("sgd", [0.99] * 7))
    ax = plots.plot_bands(table)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["sgd", "adam"]
    adam_bracket, adam_band = ax.lines[2], ax.lines[3]  # sgd is drawn first: the widest band on top
    assert list(adam_bracket.get_xdata()) == [1e-4, 1.0] and list(adam_band.get_xdata()) == [1e-3, 1e-1]
    assert ax.get_xscale() == "log" and len(ax.texts) == 2  # sgd's band runs off both ends of the grid


def test_plot_sweep_can_leave_the_bands_out():
    runs = {"adam": runs_with_accuracies("adam", [0.5, 0.97, 0.99, 0.99, 0.99, 0.2, 0.1])}
    assert len(plots.plot_sweep(runs).patches) == 1 and not plots.plot_sweep(runs, show_bands=False).patches


def test_band_explorer_redraws_the_bands_when_the_tolerance_moves():
    from lrlib.widgets import BandExplorer

    explorer = BandExplorer(runs_with_accuracies("adam", [0.5, 0.97, 0.985, 0.99, 0.988, 0.2, 0.1]), tolerance=0.001)
    assert explorer.table().loc["adam", "width"] == 0.0
    shown = explorer.output.outputs
    explorer.tolerance.value = 0.02
    assert explorer.table().loc["adam", "width"] == pytest.approx(3.0) and explorer.output.outputs != shown
    with pytest.raises(ValueError, match="tolerance=0.5"):
        BandExplorer(runs_with_accuracies("adam", [0.5] * 7), tolerance=0.5)
    with pytest.raises(ValueError, match="results=\\[\\]"):
        BandExplorer([])


def test_repeated_cells_table_says_whether_a_cell_stays_good_on_the_median_of_its_seeds():
    sweep = runs_with_accuracies("adam", [0.5, 0.97, 0.990, 0.992, 0.9875, 0.11, 0.10])  # cutoff 0.987
    repeats = [with_accuracy(make_result(Experiment("adam", 1e-1, seed=seed, profile="tiny")), accuracy)
               for seed, accuracy in ((1, 0.985), (2, 0.986))]
    table = report.repeated_cells_table(sweep, [sweep[4], *repeats])  # the sweep's own seed counts once
    row = table.loc[("adam", 1e-1)]
    assert [row["seed 0"], row["seed 1"], row["seed 2"]] == [0.9875, 0.985, 0.986]
    assert row["median"] == pytest.approx(0.986) and row["cutoff"] == pytest.approx(0.987)
    assert row["good (one seed)"] and not row["good (median)"]
    assert row["width (one seed)"] == pytest.approx(2.0) and row["width (median)"] == pytest.approx(1.0)


def budget_run(epochs, seed, accuracy, per_epoch=None, val=None, **fields):
    """A result of ``epochs`` epochs with test accuracy ``accuracy``; ``per_epoch`` makes it a
    run scored after every epoch. Its validation accuracy is ``val`` (one value per epoch, or one
    for the last epoch), else the test accuracy's."""
    experiment = Experiment("adam", 0.001, epochs=epochs, seed=seed, profile="full",
                            test_each_epoch=per_epoch is not None)
    n = len(per_epoch) if per_epoch else epochs
    result = make_result(experiment, loss=[1.0] * n, test_accuracy=accuracy, **fields)
    if per_epoch:
        result.history.update(test_loss=[0.1] * len(per_epoch), test_accuracy=list(per_epoch))
    val = per_epoch if val is None and per_epoch else ([accuracy] if val is None else val)
    val = list(val) if not isinstance(val, float) else [val]
    result.history["val_accuracy"][:] = ([math.nan] * n + val)[-n:]
    return result


def test_time_to_accuracy_reads_budgets_from_separate_runs_and_from_runs_scored_every_epoch():
    one_cycle = [budget_run(e, s, a) for e, s, a in [(1, 0, 0.985), (1, 1, 0.986), (1, 2, 0.984),
                                                      (2, 0, 0.9921), (2, 1, 0.9915), (2, 2, 0.9925),
                                                      (2, 3, 0.9930), (2, 4, 0.9900)]]  # five seeds at 2
    baseline = [budget_run(3, 0, 0.993, [0.98, 0.9919, 0.993]), budget_run(3, 1, 0.99, [0.97, 0.99, 0.99]),
                budget_run(3, 2, 0.991, [0.985, 0.9925], epochs_run=2)]  # seed 2 stopped after 2 epochs
    assert report.accuracy_by_budget(baseline)[2] == {0: 0.9919, 1: 0.99, 2: 0.9925}
    assert report.accuracy_by_budget(baseline, "test_accuracy")[1] == {0: 0.98, 1: 0.97, 2: 0.985}
    table = report.budget_table({"one-cycle": one_cycle, "baseline": baseline}, target=0.9919)
    assert table[table.strategy == "one-cycle"]["median"].tolist() == pytest.approx([0.985, 0.9921])
    assert table[table.strategy == "one-cycle"]["seeds"].tolist() == [3, 5]  # each budget its own seeds
    assert table[table.strategy == "baseline"]["epochs"].tolist() == [1, 2]  # epoch 3: seed 2 has none
    assert table[table.strategy == "baseline"]["median"].tolist() == pytest.approx([0.98, 0.9919])
    row = table[table.strategy == "one-cycle"].iloc[1]
    assert (row["min"], row["max"], row["test min"], row["test max"]) == pytest.approx((0.99, 0.993, 0.99, 0.993))
    assert report.epochs_to_target(table) == {"one-cycle": 2, "baseline": 2}
    assert report.epochs_to_target(report.budget_table({"one-cycle": one_cycle}, target=0.995)) == {"one-cycle": None}
    with pytest.raises(ValueError, match="'empty'"):
        report.budget_table({"empty": []}, target=0.99)


def test_the_budget_is_chosen_on_validation_and_a_test_metric_is_refused():
    # On test, two epochs reach the target; on validation (which decides), only three do.
    runs = [budget_run(e, s, a, val=v) for e, s, a, v in
            [(2, 0, 0.9925, 0.9910), (2, 1, 0.9921, 0.9912), (2, 2, 0.9930, 0.9905),
             (3, 0, 0.9926, 0.9921), (3, 1, 0.9924, 0.9925), (3, 2, 0.9931, 0.9920)]]
    table = report.budget_table({"one-cycle": runs}, target=0.9919)
    assert report.epochs_to_target(table) == {"one-cycle": 3}
    assert table["test median"].tolist() == pytest.approx([0.9925, 0.9926])  # reported beside, not used
    for refused in (report.budget_table, report.median_comparison):
        with pytest.raises(ValueError, match="validation metric.*test set only reports"):
            refused({"one-cycle": runs}, 0.9919, metric="test_accuracy") if refused is report.budget_table \
                else refused({"one-cycle": runs}, "one-cycle", metric="test_accuracy")
    with pytest.raises(ValueError, match="validation metric"):
        report.accuracy_by_budget(runs, "test_loss")
    with pytest.raises(ValueError, match="validation metric"):
        report.strategy_table([], {}, {}, metric="test_accuracy")
    shown = report.headline_table(table, budgets=[2])
    assert shown.loc[(2, "one-cycle"), "validation"] == "0.9910 (0.9905\u20130.9912)"
    assert shown.loc[(2, "one-cycle"), "test"].startswith("0.9925 (0.9921")


def test_a_run_scored_every_epoch_stands_for_each_shorter_budget_with_its_best_weights_kept():
    run = clr_run(val_loss=(0.5, 0.3, 0.45, 0.4), per_epoch=(0.97, 0.99, 0.98, 0.985))
    two, three = report.at_budget(run, 2), report.at_budget(run, 3)
    assert (two.experiment.epochs, two.epochs_run, two.test_accuracy) == (2, 2, 0.99)
    assert three.test_accuracy == 0.99  # best validation loss up to epoch 3 is epoch 2's: kept
    assert report.at_budget(run, 5) is None and report.at_budget(budget_run(2, 0, 0.99), 3) is None
    assert report.at_budget(budget_run(2, 0, 0.99), 2).test_accuracy == 0.99


def test_equal_budget_comparisons_and_the_step_between_budgets_go_through_the_noise():
    one_cycle = [budget_run(e, s, a, val=v) for e, s, a, v in
                 [(2, s, 0.991, 0.9900 + s / 10_000) for s in range(5)] + [(3, s, 0.992, 0.9915 + s / 10_000) for s in range(5)]]
    baseline = [budget_run(5, s, 0.99, [0.97, 0.983 + s / 10_000, 0.986, 0.988, 0.99]) for s in range(5)]
    table = report.budget_comparison({"one-cycle": one_cycle, "baseline": baseline}, 2, "one-cycle")
    row = table.loc["baseline"]
    assert row["verdict"] == "behind" and row["lead in images"] == round((0.9832 - 0.9902) * 12_000)
    assert row["noise in images"] < abs(row["lead in images"])
    step = report.budget_step(one_cycle, 2, 3)
    assert step.verdict == "tie" and step.images == 18 and step.noise.images == 12_000  # 15 of 10,000 is noise
    with pytest.raises(ValueError, match="reference='sgd'"):
        report.budget_comparison({"one-cycle": one_cycle}, 2, "sgd")
    with pytest.raises(ValueError, match="none at 4 epochs"):
        report.budget_step(one_cycle, 2, 4)


def clr_run(val_loss=(0.5, 0.4, 0.45, 0.3), per_epoch=(0.97, 0.98, 0.975, 0.99), kept=0.99):
    """A triangular run with half cycles of two epochs (10 steps each), best weights kept."""
    experiment = Experiment("adam", schedules.triangular(0.001, 0.01, 20), epochs=4, profile="full",
                            early_stopping_patience=4, restore_best=True, test_each_epoch=True)
    result = make_result(experiment, loss=[1.0] * len(val_loss), test_accuracy=kept, steps_per_epoch=10)
    result.history.update(val_loss=list(val_loss), test_loss=[0.1] * len(val_loss), test_accuracy=list(per_epoch))
    return result


def test_cycle_position_runs_from_the_base_to_the_peak_and_back():
    run = clr_run()
    # The last step of epoch 1 is step 9 of a 20-step rise; epoch 2 ends one step before the peak.
    assert [report.cycle_position(run, epoch) for epoch in (1, 2, 3, 4)] == pytest.approx([0.45, 0.95, 0.55, 0.05])
    assert [report.cycle_phase(run, epoch) for epoch in (1, 2, 3, 4)] == ["rising", "rising", "falling", "falling"]


def test_clr_runs_table_finds_the_kept_epoch_and_what_keeping_it_gained():
    table = report.clr_runs_table([clr_run(val_loss=(0.5, 0.3, 0.45, 0.4), per_epoch=(0.97, 0.99, 0.98, 0.985))])
    row = table.iloc[0]
    assert (row["best epoch"], row["epochs run"], row["cycle position"]) == (2, 4, pytest.approx(0.95))
    assert row["kept - last (images)"] == 50  # 0.99 - 0.985 of 10,000 test images


def test_plot_cycle_run_draws_the_rate_of_every_step_and_marks_the_kept_epoch():
    ax = plots.plot_cycle_run(clr_run())
    rate = ax.lines[0]
    assert len(rate.get_xdata()) == 40 and max(rate.get_ydata()) == pytest.approx(0.01)
    twin = ax.figure.axes[1]
    assert twin.lines[1].get_xdata()[0] == 4 and "epoch 4" in twin.lines[1].get_label()
    with pytest.raises(ValueError, match="steps_per_epoch=None"):
        plots.plot_cycle_run(result_at(0.01))


def test_plot_budget_curves_draws_one_median_line_per_strategy_and_the_target():
    table = pd.DataFrame([{"strategy": "a", "epochs": 1, "median": 0.985}, {"strategy": "a", "epochs": 2, "median": 0.992},
                          {"strategy": "b", "epochs": 5, "median": 0.99}])
    ax = plots.plot_budget_curves(table, target=0.9919)
    assert [list(line.get_xdata()) for line in ax.lines[:2]] == [[1, 2], [5]]
    assert ax.lines[2].get_ydata()[0] == pytest.approx(0.9919)
    assert ax.get_ylim() == pytest.approx((0.983, 0.994))  # zoomed on the target, every median in view
    far = pd.DataFrame([{"strategy": "a", "epochs": e, "median": m} for e, m in [(1, 0.25), (2, 0.9), (25, 0.96)]])
    ax = plots.plot_budget_curves(far, target=0.9919, log_x=True)
    assert ax.get_ylim()[0] < 0.25 and ax.get_xscale() == "log"  # all far below: everything shown
    assert list(ax.get_xticks()) == [1, 2, 25]


def test_median_comparison_calls_ties_within_the_noise_and_counts_images():
    strategies = {"fixed": [budget_run(25, s, a) for s, a in enumerate((0.9910, 0.9916, 0.9920))],
                  "cyclical": [budget_run(12, s, a) for s, a in enumerate((0.9925, 0.9930, 0.9921))],
                  "decay": [budget_run(10, s, a) for s, a in enumerate((0.9950, 0.9952, 0.9949))]}
    table = report.median_comparison(strategies, "fixed")
    assert table.loc["fixed", "verdict"] == "reference" and table.loc["cyclical", "verdict"] == "tie"
    assert table.loc["cyclical", "lead in images"] == 11 and table.loc["cyclical", "epochs run"] == 12
    assert table.loc["cyclical", "noise in images"] >= 11  # of 12,000 validation images
    assert table.loc["decay", "verdict"] == "ahead" and table.loc["decay", "median"] == pytest.approx(0.9950)
    assert table.loc["decay", "test median"] == pytest.approx(0.9950)
    with pytest.raises(ValueError, match="reference='sgd'"):
        report.median_comparison(strategies, "sgd")


def test_target_summary_names_the_budgets_tried_the_best_and_the_speed_up():
    table = pd.DataFrame(
        [{"strategy": "one-cycle", "epochs": e, "median": m, "reached": m >= 0.9919} for e, m in [(1, 0.985), (2, 0.9914), (3, 0.9921), (4, 0.9925)]]
        + [{"strategy": "fixed", "epochs": e, "median": 0.98 + e / 2000, "reached": False} for e in range(1, 26)])
    summary = report.target_summary(table)
    assert summary.loc["one-cycle", "budgets tried"] == "1, 2, 3, 4" and summary.loc["fixed", "budgets tried"] == "1 to 25"
    assert summary.loc["one-cycle", "epochs to target"] == 3 and summary.loc["one-cycle", "fewer than the article"] == "8.3x"
    assert summary.loc["fixed", "epochs to target"] == "not reached" and summary.loc["fixed", "at"] == 25
    assert summary.loc["one-cycle", "best median"] == pytest.approx(0.9925)


def test_strategy_table_ranks_on_validation_and_reports_test_once():
    from lrlib.strategies import Strategy

    fixed = [budget_run(3, s, a, [0.98, 0.99 + s / 1000, a]) for s, a in enumerate((0.9920, 0.9925, 0.9910))]
    for run in fixed:
        run.history["val_accuracy"][:] = [0.98, 0.991, 0.995]  # 99 % after the second epoch
    swept = [budget_run(2, s, 0.989, val=0.97 + s / 1000) for s in range(3)]  # far behind on validation
    strategies = [Strategy("fixed", "02_baseline", (), "a default", time_to_accuracy="fixed"),
                  Strategy("swept", "05_fixed_rates_waste", (), "best of a sweep", training_runs=9, range_tests=1),
                  Strategy("budgets", "17_one_cycle", (), "budgets tried", training_runs=3, search_epochs=6)]
    table = report.strategy_table(strategies, {"fixed": fixed, "swept": swept, "budgets": swept}, {"fixed": 3})
    assert table.loc["fixed", "to find it"] == "1 run (3 epochs)"
    assert table.loc["swept", "to find it"] == "9 runs (18 epochs) + 1 range test"  # nine runs of two epochs
    assert table.loc["budgets", "to find it"] == "3 runs (6 epochs)"
    assert table.loc["fixed", "median validation accuracy"] == pytest.approx(0.995) and table.loc["fixed", "seeds"] == 3
    assert table.loc["fixed", "median test accuracy"] == pytest.approx(0.9920)
    assert (table.loc["fixed", "against the best"], table.loc["swept", "against the best"]) == ("best", "behind")
    assert table.loc["fixed", "epochs to target (validation)"] == 3
    assert table.loc["swept", "epochs to target (validation)"] == "not measured"
    assert table.loc["fixed", "epochs to 99 % (validation)"] == 2
    assert table.loc["swept", "epochs to 99 % (validation)"] == "not reached"
    assert not any("minutes" in column for column in table.columns)  # the machines differed: epochs only


def test_run_labels_name_the_seed_only_where_runs_share_a_label():
    from lrlib import Experiment
    from lrlib.plots import run_labels

    class Run:
        def __init__(self, experiment):
            self.experiment = experiment

    runs = [Run(Experiment("adam", 0.001, seed=s)) for s in (0, 1)] + [Run(Experiment("sgd", 0.1))]
    labels = run_labels(runs)
    assert labels[0].endswith(", seed 0") and labels[1].endswith(", seed 1") and len(set(labels)) == 3
    assert labels[2] == runs[2].experiment.label()


def test_readable_says_what_a_gap_or_an_infinity_means():
    import pandas as pd

    from lrlib.report import readable

    frame = pd.DataFrame({"rate": [0.1, math.nan, math.inf], "count": pd.array([1, None, 3], dtype="Int64")})
    shown = readable(frame, missing="not run", infinite="open")
    assert list(shown["rate"]) == [0.1, "not run", "open"] and list(shown["count"]) == [1, "not run", 3]
    assert frame["rate"].isna().sum() == 1  # the table itself is left as it was


# --- issue 26, item 14: a metric the results do not record is refused, naming the ones they do ----------

@pytest.mark.parametrize("metrics", [("bogus",), ("loss", "test_loss"), (), "bogus"])
def test_rate_explorer_refuses_metrics_the_results_do_not_record(metrics):
    with pytest.raises(ValueError, match=r"Argument `metrics` must name one or more of the metrics the results "
                                         r"record, \['accuracy', 'learning_rate', 'loss', 'val_accuracy', "
                                         r"'val_loss'\]. Received: metrics="):
        RateExplorer([make_result()], metrics=metrics)
    assert RateExplorer([make_result()], metrics="val_loss").metrics == ("val_loss",)


# --- issue 26, item 16: plain sliders refuse NaN and out-of-range values, from code and at the start -----

def test_plain_sliders_refuse_nan_and_values_outside_their_range():
    import traitlets

    explorer = DecayExplorer()
    for slider in (explorer.step_factor, explorer.linear_final, explorer.time_rate):
        start = slider.value
        for bad in (math.nan, slider.max * 10 + 1, -1.0):
            with pytest.raises(traitlets.TraitError, match="must lie in"):
                slider.value = bad
        assert slider.value == start
    explorer.step_factor.value = 0.95  # the end of its range is fine, and every slider still redraws
    explorer.initial_rate.value = 0.1


@pytest.mark.parametrize("tie", [0.5, -0.001, math.nan])
def test_tie_explorer_refuses_a_starting_tie_outside_its_slider(tie):
    with pytest.raises(ValueError, match=f"Received: tie={tie!r}"):
        TieExplorer(report.grid_table(grid_of(GRID)), tie=tie)


# --- issue 26, item 3: a displayed run on other data says which data --------------------------------

def test_a_panel_says_when_a_run_came_from_other_data_than_the_real_mnist():
    def shown(result):
        return "".join(o.get("text", "") for o in RateExplorer([result]).output.outputs)

    assert "on data abababababab (test)" in shown(make_result(data_fingerprint="ab" * 32))
    assert " on " not in shown(make_result())  # the book's own results: the real MNIST's
