"""The imports inside lrlib run one way where a cycle once was: ``training`` and
``range_test`` both stand on ``run_setup`` and neither imports the other (issue 28, item 4).

The imports are read from the source with ``ast``, every one of them: at module level and
inside functions (a function-level import is a cycle deferred, not removed). ``from . import
__version__`` names the package ``lrlib`` itself, which every submodule's import runs anyway:
that edge is left out.
"""

import ast
from pathlib import Path

import pytest

import lrlib

PACKAGE = Path(lrlib.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Each lrlib module's lrlib imports (at any depth of its code), by dotted name."""
    paths = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        imported = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:  # ``from . import range_test`` imports the module range_test
                    submodule = f"{target}.{alias.name}"
                    imported.add(submodule if submodule in paths else target)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
        graph[name] = {other for other in imported if other in paths and other not in (name, "lrlib")}
    return graph


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for other in graph[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    return seen


@pytest.fixture(scope="module")
def graph():
    return import_graph()


def test_the_graph_sees_function_level_imports(graph):
    # range_test imports lrlib.results inside run_range_test only; a reader blind to it would pass anything
    assert "lrlib.results" in graph["lrlib.range_test"] and "lrlib.schedules" in graph["lrlib.range_test"]
    assert "lrlib.range_test" in graph["lrlib.checks.range_test"]  # ``from .. import range_test``, in a function


def test_training_never_imports_the_range_test_nor_the_range_test_training(graph):
    assert "lrlib.range_test" not in reachable(graph, "lrlib.training")
    assert "lrlib.training" not in reachable(graph, "lrlib.range_test")


def test_both_stand_on_run_setup_which_imports_neither(graph):
    assert "lrlib.run_setup" in graph["lrlib.training"] and "lrlib.run_setup" in graph["lrlib.range_test"]
    assert not {"lrlib.training", "lrlib.range_test"} & reachable(graph, "lrlib.run_setup")


def test_run_many_finds_the_range_tests_runner_without_importing_it():
    from lrlib import Experiment, range_test, run_setup, training

    plan = range_test.RangeTestPlan(Experiment("sgd", 0.01, profile="tiny"), 1e-4, 1.0, 6)
    assert run_setup.runner_for(plan) is range_test.run_range_test
    assert run_setup.runner_for(Experiment("sgd", 0.01)) is None  # an experiment goes to training.run
    assert training.run_many is lrlib.run_many


def test_a_runner_is_registered_for_a_type_only():
    from lrlib import run_setup

    with pytest.raises(TypeError, match="a type and a callable"):
        run_setup.register_runner("RangeTestPlan", print)
    with pytest.raises(TypeError, match="a type and a callable"):
        run_setup.register_runner(int, None)


def test_the_helpers_keep_their_old_names_in_training():
    from lrlib import run_setup, training

    for name in ("MissingResultError", "stored_only", "find_stored_for_training", "compiled_model", "profile_data",
                 "split_sizes", "check_fits_data", "steps_per_epoch", "describe_device", "provenance"):
        assert getattr(training, name) is getattr(run_setup, name), name


# --- lrlib.widgets: one module per part of the book, every control also at the package's top -----

def test_every_public_name_of_the_widgets_parts_is_also_in_the_package():
    import importlib
    import pkgutil

    from lrlib import widgets

    parts = [info.name for info in pkgutil.iter_modules(widgets.__path__)]
    assert set(parts) == {"common", "basics", "fixed_rates", "decay", "adaptive", "range_tests", "cycles", "after"}
    for part in parts:
        module = importlib.import_module(f"lrlib.widgets.{part}")
        defined = ast.parse(Path(module.__file__).read_text(encoding="utf-8")).body  # its own names, not imports
        own = [node.name if hasattr(node, "name") else node.targets[0].id for node in defined
               if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.Assign))]
        assert own, part
        for name in (name for name in own if not name.startswith("_")):
            assert getattr(widgets, name) is getattr(module, name), f"widgets.{name} (from widgets.{part})"
    assert widgets._Control in vars(widgets).values()  # the base the static-view tests enumerate


def test_the_widgets_parts_import_each_other_only_through_common(graph):
    parts = {name for name in graph if name.startswith("lrlib.widgets.")}
    for part in parts - {"lrlib.widgets.common"}:
        assert graph[part] & parts <= {"lrlib.widgets.common"}, part
    assert not graph["lrlib.widgets.common"] & parts
