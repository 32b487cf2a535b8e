from lrlib import catalog
from lrlib.strategies import book_strategies


def test_the_summary_holds_every_strategy_of_the_book_with_its_search_cost(book_results):
    strategies = {s.name: s for s in book_strategies("full")}
    assert list(strategies)[0] == "fixed 0.001 (Adam)" and strategies["fixed 0.001 (Adam)"].training_runs == 1
    assert strategies["fixed 0.1 (SGD)"].training_runs == len(catalog.SWEEP_RATES)
    decay = next(s for s in strategies.values() if s.name.startswith("linear decay from 0.01"))
    assert decay.training_runs == 20 and {r.experiment.epochs for r in decay.runs} == {max(catalog.DECAY_BUDGETS)}
    one_cycle = next(s for s in strategies.values() if s.name.startswith("one-cycle"))
    assert one_cycle.range_tests == 1 and one_cycle.training_runs == len(catalog.ONE_CYCLE_BUDGETS)
    assert one_cycle.search_epochs == sum(catalog.ONE_CYCLE_BUDGETS)
    budget = one_cycle.runs[0].experiment.epochs
    assert len(one_cycle.runs) == (5 if budget in catalog.HEADLINE_BUDGETS else 3)
    assert {r.experiment.epochs for r in one_cycle.runs} == {budget}
    timed = catalog.time_to_accuracy_strategies("full") | catalog.after_time_to_accuracy("full")
    assert {s.time_to_accuracy for s in strategies.values()} - {None} <= set(timed)


def test_the_newer_methods_join_the_summary_at_the_budget_chosen_on_validation(book_results):
    from lrlib import report, run_many

    strategies = {s.time_to_accuracy: s for s in book_strategies("full") if s.chapter.startswith("20_")}
    assert list(strategies) == list(catalog.AFTER_LABELS.values())
    for label, runs in catalog.after_time_to_accuracy("full").items():
        table = report.budget_table({label: run_many([s.experiment for s in runs])}, catalog.TARGET_ACCURACY)
        chosen = report.epochs_to_target(table)[label] or max(catalog.AFTER_BUDGETS)
        strategy = strategies[label]
        assert strategy.name == f"{label}, {chosen} epochs" and {r.experiment.epochs for r in strategy.runs} == {chosen}
        assert strategy.training_runs == len(catalog.AFTER_BUDGETS) and strategy.range_tests == 0
        assert strategy.search_epochs == sum(catalog.AFTER_BUDGETS)  # one run per budget tried
        assert len(strategy.runs) == (5 if chosen in catalog.HEADLINE_BUDGETS else 3)


def test_without_range_tests_the_cycle_rows_wait(isolated_results):
    names = [s.name for s in book_strategies("tiny")]
    assert names[:2] == ["fixed 0.001 (Adam)", "fixed 0.1 (SGD)"]
    assert not any(name.startswith(("cyclical", "one-cycle", "Adam at its suggestion")) for name in names)


def test_the_one_cycle_budget_is_chosen_on_validation(book_results):
    from lrlib import report, run_many

    one_cycle = next(s for s in book_strategies("full") if s.name.startswith("one-cycle"))
    runs = run_many([s.experiment for s in catalog.one_cycle_budgets("full")])
    table = report.budget_table({"one-cycle": runs}, catalog.TARGET_ACCURACY)  # validation medians
    chosen = report.epochs_to_target(table)["one-cycle"] or max(catalog.ONE_CYCLE_BUDGETS)
    assert one_cycle.name == f"one-cycle (Adam), {chosen} epochs"
