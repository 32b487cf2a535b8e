"""The chapters: committed clean, Colab-ready, and executed by nbval in the quick profile."""

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
CHECK_TAG = "nbval-check-output"
CHECK_CALL = re.compile(r"checks\.(\w+)\(\w+\)\s*$")  # a cell that is only an exercise's check  # nbval compares these cells' outputs even under --nbval-lax
FIXED_RATE_CHAPTERS = {"01_introduction.ipynb", "02_baseline.ipynb", "03_too_large.ipynb", "04_too_small.ipynb",
                       "05_fixed_rates_waste.ipynb"}

# The article's five fixed-rate results, as it printed them, in the layout the chapters print.
ARTICLE_TABLE = """\
scenario   learning rate  test loss  test accuracy
baseline           0.001     0.0286         0.9919
too large            0.5     2.3189         0.1010
large               0.01     0.0454         0.9888
small              1e-05     0.1712         0.9514
too small          1e-07     2.2724         0.1625
"""


def load(path):
    return json.loads(path.read_text())


def code_cells(notebook):
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def source(cell):
    return "".join(cell["source"])


def checked(cell):
    return CHECK_TAG in cell.get("metadata", {}).get("tags", [])


def test_every_chapter_is_in_the_toc():
    toc = (ROOT / "_toc.yml").read_text()
    assert len(NOTEBOOKS) >= 5
    for path in NOTEBOOKS:
        assert f"book/{path.stem}" in toc


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    for cell in code_cells(load(path)):
        assert not cell["outputs"] and cell["execution_count"] is None


def test_install_cell_is_identical_everywhere_and_names_the_configured_repository():
    first_cells = {source(code_cells(load(path))[0]) for path in NOTEBOOKS}
    assert len(first_cells) == 1
    install = first_cells.pop()
    repository = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert f"lrlib @ git+{repository}" in install and "google.colab" in install


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colab_ready_and_interactive(path):
    notebook = load(path)
    assert notebook["metadata"]["accelerator"] == "GPU"
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"
    text = "\n".join(source(cell) for cell in code_cells(notebook))
    assert "describe_device()" in text  # each chapter says which device TensorFlow uses
    assert re.search(r"(Slider|Explorer|Browser)\(", text)  # at least one slider
    if path.name in FIXED_RATE_CHAPTERS:  # stored curves by rate, and training behind a button
        assert "RateExplorer(" in text and "TrainPanel(" in text
    assert notebook["cells"][0]["cell_type"] == "markdown" and source(notebook["cells"][0]).startswith("# ")


def outside_solutions(notebook):
    """The code cells that are not part of an exercise's solution (between its solution-start
    and solution-end directives)."""
    inside, cells = False, []
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            markers = re.findall(r"\{solution-(start|end)\}", source(cell))
            inside = markers[-1] == "start" if markers else inside
        elif not inside:
            cells.append(cell)
    return cells


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cells_that_glue_are_hidden(path):
    # The page shows the code a reader should read; the numbers its text quotes are glued from
    # hidden cells (exercise solutions excepted: their code is the answer).
    for cell in outside_solutions(load(path)):
        if "glue(" in source(cell):
            assert "remove-input" in cell.get("metadata", {}).get("tags", []), source(cell)[:200]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_lrlib_is_imported_before_keras_or_tensorflow(path):
    # lrlib imports TensorFlow with its start-up log lines silenced; imported first, Keras would
    # print them to the kernel's stderr, which the book build reports as a warning.
    text = "\n".join(source(cell) for cell in code_cells(load(path)))
    framework = re.search(r"^(import|from) (keras|tensorflow)\b", text, re.M)
    ours = re.search(r"^(import|from) lrlib\b", text, re.M)
    assert framework is None or (ours is not None and ours.start() < framework.start())


def exercise_check(cell):
    """The exercise whose check this cell calls (``checks.name(answer)``), or None."""
    from lrlib import checks

    call = CHECK_CALL.match(source(cell))
    return getattr(checks, call.group(1)).exercise if call else None


def with_expected_outputs(path, destination):
    """A copy of the notebook whose checked cells carry the output they must reproduce: the
    article's table, and "Right!" from each exercise's check on its solution."""
    notebook = load(path)
    for cell in code_cells(notebook):
        if checked(cell):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ARTICLE_TABLE}]
        elif exercise := exercise_check(cell):
            cell["outputs"] = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                "data": {"text/plain": f"Right! ({exercise})"}}]
            cell.setdefault("metadata", {}).setdefault("tags", []).append(CHECK_TAG)  # compared under --nbval-lax
        if cell["outputs"]:
            cell["execution_count"] = 1  # nbval refuses outputs of a cell that never ran
    copy = destination / path.name
    copy.write_text(json.dumps(notebook))
    return copy


@pytest.fixture(scope="session")
def shared_quick_results(tmp_path_factory):
    # One results folder for the whole session: later chapters reuse the quick runs of earlier
    # ones, as they do for a learner working through the book.
    return tmp_path_factory.mktemp("quick-results")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_executes_under_nbval(path, tmp_path, shared_quick_results):
    copy = with_expected_outputs(path, tmp_path)
    env = {**os.environ, "LRLIB_PROFILE": "quick", "LRLIB_RESULTS_DIR": str(shared_quick_results),
           "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("LRLIB_STORED_ONLY", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--nbval-cell-timeout=300", "-p", "no:cacheprovider",
                           "-q", str(copy)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=900)
    seconds = time.perf_counter() - started
    print(f"\n{path.name}: executed under nbval in {seconds:.0f} s (quick profile)")
    assert done.returncode == 0, done.stdout[-6000:]
    # nbval makes one test item per code cell: all of them ran and passed.
    assert re.search(rf"\b{len(code_cells(load(path)))} passed", done.stdout), done.stdout[-2000:]


def test_the_article_table_is_printed_once_and_checked():
    printing = {path.name for path in NOTEBOOKS if "print(article_figures_text(" in json.dumps(load(path))}
    assert printing == {"02_baseline.ipynb"}
    with_checks = {path.name for path in NOTEBOOKS if any(checked(c) for c in code_cells(load(path)))}
    assert "02_baseline.ipynb" in with_checks


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_exercise_has_its_check_after_its_solution(path):
    from lrlib import checks

    notebook = load(path)
    text = "\n".join(source(cell) for cell in notebook["cells"])
    exercises = re.findall(r"^```\{exercise\}.*\n:label: (\S+)", text, re.M)
    checked_here = [exercise_check(cell) for cell in code_cells(notebook) if exercise_check(cell)]
    assert checked_here == exercises
    assert [check.exercise for check in checks.checks_of(path.stem)] == exercises


def test_nbval_fails_when_a_checked_output_differs(tmp_path, monkeypatch):
    # The output check can fail: a wrong expectation in the injected copy makes nbval red.
    monkeypatch.setattr(sys.modules[__name__], "ARTICLE_TABLE", ARTICLE_TABLE.replace("0.9919", "0.9999"))
    copy = with_expected_outputs(ROOT / "book" / "02_baseline.ipynb", tmp_path)
    notebook = load(copy)
    last = next(i for i, c in enumerate(notebook["cells"]) if checked(c))
    notebook["cells"] = notebook["cells"][:last + 1]  # up to the checked table
    copy.write_text(json.dumps(notebook))
    env = {**os.environ, "LRLIB_PROFILE": "quick", "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p",
                           "no:cacheprovider", "-q", str(copy)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=600)
    assert done.returncode != 0 and "0.9999" in done.stdout
