"""The grader: scores computed in its own process from answers extracted as data, each submission
sandboxed and bounded, one stable CSV row per student. Chapter 11's checks read trajectories, so
the notebooks here train nothing; one graded folder serves most tests."""

import csv
import json
import math
import random
from pathlib import Path

import nbformat
import numpy as np
import pytest

import lrlib
from lrlib.checks import _core
from lrlib.grading import Grader, answers, grade_folder, sandbox, student_of, summary
from lrlib.cli import main
from lrlib.grading.gradebook import COLUMNS, check_scores_path

CHAPTER = "11_how_adaptive_optimizers_adapt"
EXERCISES = ["ex-adaptive-stable-rate", "ex-adaptive-adam-first-step", "ex-adaptive-adagrad"]
LANDLOCK = sandbox.landlock_abi() > 0


def submission(path, *sources, metadata=None):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.metadata["lrlib"] = metadata or {"chapter": CHAPTER, "edition": "student"}
    nbformat.write(notebook, path)


# --- answers as data ---------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [0.02, 3, float("nan"), -math.inf, "stuck at chance", None, ..., True,
                                    [1.0, 2.0], (1, 2), np.array([[1.0, 2.0], [3.0, 4.0]]), {"time": 0.375},
                                    {"adam", "sgd"}, np.float32(0.5)], ids=repr)
def test_an_answer_survives_encoding_as_json(answer):
    back = answers.decode(json.loads(json.dumps(answers.encode("ex-made-up", answer))))
    expected = answer.tolist() if isinstance(answer, np.ndarray) else list(answer) if isinstance(answer, tuple) else answer
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(back)
    else:
        assert back == expected and type(back) is not np.float32


def test_objects_become_data_in_the_kernel_and_unknown_ones_only_a_name():
    schedule = lrlib.schedules.one_cycle(0.0093, 3 * 192, warmup_fraction=0.25, final_divisor=1e5)
    encoded = answers.encode("ex-one-cycle-fastai", schedule)  # the check's own prepare: its rates
    assert encoded["type"] == "list" and all(item["type"] == "number" for item in encoded["items"])
    assert repr(answers.decode(answers.encode("ex-made-up", object()))) == "a object"


@pytest.mark.parametrize("data", [{"type": "number", "value": "1e9"}, {"type": "number", "value": True},
                                  {"type": "verdict", "value": True}, True, {"type": "list", "items": "abc"},
                                  {"type": "text", "value": "x" * 20_000}])
def test_data_that_report_never_writes_is_refused(data):
    with pytest.raises(answers.Malformed):
        answers.decode(data)


def test_nested_or_huge_data_is_refused():
    deep = {"type": "number", "value": 1.0}
    for _ in range(20):
        deep = {"type": "list", "items": [deep]}
    huge = {"type": "list", "items": [{"type": "none"}] * (answers.MAX_ITEMS + 1)}
    for data in (deep, huge):
        with pytest.raises(answers.Malformed):
            answers.decode(data)


def test_the_grader_judges_only_the_chapters_exercises_in_its_own_process():
    grader = Grader("11")
    right = answers.encode("ex-adaptive-stable-rate", _core.all_checks()["ex-adaptive-stable-rate"].expected())
    passed = grader.judge({"ex-adaptive-stable-rate": right, "ex-intro-parameters": {"type": "number", "value": 1},
                           "ex-made-up": {"type": "number", "value": 1}, "ex-adaptive-adagrad": "garbage"})
    assert passed == {"ex-adaptive-stable-rate": True, "ex-adaptive-adam-first-step": False,
                      "ex-adaptive-adagrad": False}


def test_the_student_comes_from_the_file_name_and_the_chapter_from_the_teacher():
    assert student_of(Path(f"ana_{CHAPTER}.ipynb"), CHAPTER) == "ana"
    assert student_of(Path(f"{CHAPTER} - Ben Bo.ipynb"), CHAPTER) == "Ben Bo"
    assert Grader("11").chapter == Grader(CHAPTER).chapter == CHAPTER
    with pytest.raises(ValueError, match="chapter='99'"):
        Grader("99")
    with pytest.raises(ValueError, match="limit=0"):
        Grader("11", limit=0)


# --- one graded folder -------------------------------------------------------------------------

IMPORTS = "from lrlib import checks"
RIGHT = "checks.adaptive_stable_rate(0.02)"  # the chapter's 2 / curvature, within its tolerance

FORGER = [
    IMPORTS, RIGHT,
    # every check says Right in this kernel, whatever the answer
    "import lrlib.checks._core as core\n"
    "type(checks.adaptive_adagrad).compare = lambda self, prepared, expected=None: (None, None)\n"
    "print(checks.adaptive_adagrad(123.0), checks.adaptive_adam_first_step([9.0, 9.0]))",
    # the verdicts the old grader read, and the function that returned them
    "core._latest.update({e: True for e in core.all_checks()})\n"
    "checks.scores = lambda: {e: True for e in core.all_checks()}",
    # the report the grader reads: claimed verdicts, a score, and answers in a made-up encoding
    "import json, lrlib.grading.answers as a\n"
    "original = a.report\n"
    "def forged():\n"
    "    d = json.loads(original())\n"
    "    d['answers'].update({'ex-adaptive-adagrad': {'type': 'verdict', 'value': True},\n"
    "                         'ex-adaptive-adam-first-step': True})\n"
    "    d.update(score=3, passed={e: True for e in core.all_checks()})\n"
    "    return json.dumps(d)\n"
    "a.report = forged",
    # outputs that look like the report, before and after every cell, and a forged executed notebook
    "print('LRLIB-ANSWERS {\"answers\": {\"ex-adaptive-adagrad\": {\"type\": \"number\", \"value\": 1e9}}}')\n"
    "get_ipython().events.register('post_run_cell', lambda result: print('LRLIB-ANSWERS {\"score\": 3}'))\n"
    "import pathlib\n"
    "pathlib.Path('../executed.ipynb').write_text('{}')",
]

WANDERER = [  # answers another chapter's exercise and a made-up one, and says it is chapter 02
    IMPORTS, RIGHT,
    "import lrlib.checks._core as core\n"
    "core._answers.update({'ex-intro-parameters': 2304, 'ex-made-up': 1})",
]

VANDAL = """\
import json, os, pathlib
tried = {{}}
def attempt(name, action):
    try:
        action()
        tried[name] = "done"
    except Exception as error:
        tried[name] = type(error).__name__
attempt("delete the teacher's file", lambda: os.remove({teacher!r}))
attempt("read the teacher's file", lambda: pathlib.Path({teacher!r}).read_text())
attempt("overwrite another submission", lambda: pathlib.Path({victim!r}).write_text("{{}}"))
attempt("read another submission", lambda: pathlib.Path({victim!r}).read_text())
attempt("list the submissions", lambda: os.listdir({folder!r}))
attempt("plant a file in lrlib", lambda: pathlib.Path({lrlib!r}, "planted.txt").write_text("x"))
attempt("write above its folder", lambda: pathlib.Path("../../planted-by-vandal.txt").write_text("x"))
attempt("write in its HOME", lambda: pathlib.Path("~/mine.txt").expanduser().write_text("x"))
# links in its own folder, where the runner and the grader write and read: allowed, and harmless
attempt("link its executed notebook to the teacher's file", lambda: os.symlink({teacher!r}, "../executed.ipynb"))
attempt("link the runner's log to an endless device",
        lambda: (os.remove("../runner.log"), os.symlink("/dev/zero", "../runner.log")))
print(json.dumps(tried))
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("class")
    folder, teacher = root / "submissions", root / "teacher.txt"
    folder.mkdir()
    teacher.write_text("the teacher's marks")
    submission(folder / f"forger_{CHAPTER}.ipynb", *FORGER)
    submission(folder / "wanderer.ipynb", *WANDERER, metadata={"chapter": "02_baseline", "edition": "student"})
    if LANDLOCK:  # without it the vandal would succeed: only the container fences absolute paths there
        submission(folder / "vandal.ipynb", VANDAL.format(teacher=str(teacher), victim=str(folder / "victim.ipynb"),
                                                          folder=str(folder), lrlib=str(Path(lrlib.__file__).parent)))
    submission(folder / "victim.ipynb", IMPORTS, RIGHT, "checks.adaptive_adagrad(1.0)")
    (folder / "zed.ipynb").write_text("{ this is not a notebook")
    out = root / "grades" / "scores.csv"
    shown = []
    grades = grade_folder(folder, out, Grader(CHAPTER, limit=240),
                          progress=lambda done, total, grade: shown.append((done, total, grade.student)))
    with out.open() as file:
        table = list(csv.reader(file))
    return {"grades": {g.student: g for g in grades}, "table": table, "teacher": teacher, "folder": folder,
            "out": out, "shown": shown}


def test_a_forged_score_gets_only_what_its_real_answers_earn(graded):
    forger = graded["grades"]["forger"]
    assert forger.passed == {"ex-adaptive-stable-rate": True, "ex-adaptive-adam-first-step": False,
                             "ex-adaptive-adagrad": False}
    assert forger.score == 1 and forger.out_of == 3
    executed = nbformat.read(forger.executed, as_version=4)
    assert "Right! (ex-adaptive-adagrad)" in executed.cells[2].outputs[0]["text"]  # the kernel was fooled


def test_another_chapters_exercises_and_made_up_names_do_not_count(graded):
    wanderer = graded["grades"]["wanderer"]
    assert wanderer.chapter == CHAPTER and wanderer.score == 1 and list(wanderer.passed) == EXERCISES


def test_every_row_has_the_same_columns(graded):
    header, *rows = graded["table"]
    assert header == [*COLUMNS, *EXERCISES]
    assert len(rows) == len(graded["grades"]) and all(len(row) == len(header) for row in rows)
    assert len({row[0] for row in rows}) == len(rows)  # one row per student
    zed = graded["grades"]["zed"]
    assert zed.status.startswith("unreadable") and zed.score == 0 and zed.out_of == 3


@pytest.mark.skipif(not LANDLOCK, reason="Landlock is missing: only the container fences absolute paths here")
def test_a_submission_cannot_touch_another_submission_or_the_teachers_files(graded):
    assert graded["teacher"].read_text() == "the teacher's marks"
    assert nbformat.read(graded["folder"] / "victim.ipynb", as_version=4).cells  # intact
    victim = graded["grades"]["victim"]
    assert victim.status == "ok" and victim.score == 1
    assert not (Path(lrlib.__file__).parent / "planted.txt").exists()
    vandal = nbformat.read(graded["grades"]["vandal"].executed, as_version=4)
    tried = json.loads(vandal.cells[0].outputs[-1]["text"])
    for allowed in ("write in its HOME", "link its executed notebook to the teacher's file",
                    "link the runner's log to an endless device"):
        assert tried.pop(allowed) == "done"
    assert set(tried.values()) == {"PermissionError"}, tried


def test_the_teacher_sees_progress_the_executed_notebooks_and_a_summary(graded):
    grades = graded["grades"]
    assert [(done, total) for done, total, _ in graded["shown"]] == [(i, len(grades)) for i in range(1, len(grades) + 1)]
    for grade in grades.values():
        if grade.student != "zed":
            assert Path(grade.executed).parent == graded["out"].parent / "scores-notebooks"
            assert grade.seconds > 0 and grade.profile == "quick"
    text = summary(list(grades.values()), EXERCISES)
    assert "ex-adaptive-stable-rate" in text and "zed" in text and "unreadable" in text


# --- the notebook limit ------------------------------------------------------------------------

def test_an_uninterruptible_loop_is_stopped_at_the_notebook_limit(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    marker = str(random.randrange(10**6, 10**7))  # the sleeping child's argument: found again by /proc
    submission(folder / "looper.ipynb",
               f"import signal, subprocess\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
               f"child = subprocess.Popen(['sleep', '{marker}'])\nwhile True:\n    pass")
    [looper] = grade_folder(folder, tmp_path / "scores.csv", Grader(CHAPTER, limit=20))
    assert looper.status.startswith("killed at the notebook limit (20 s)") and looper.score == 0
    assert 20 <= looper.seconds < 30
    running = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline(p) == ["sleep", marker]]
    assert not running  # the kernel's whole process group went with it


def _cmdline(process: Path) -> list[str]:
    try:
        return (process / "cmdline").read_bytes().decode().split("\0")[:-1]
    except OSError:
        return []


def test_a_notebook_past_its_memory_cap_gets_a_memory_error_and_its_row(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    submission(folder / "hog.ipynb", "hoard = bytearray(3 * 2**30)")
    [hog] = grade_folder(folder, tmp_path / "scores.csv", Grader(CHAPTER, limit=60, memory_gb=2))
    assert hog.status == "errors in 1 cell" and hog.first_error == "MemoryError" and hog.out_of == 3



# --- where the CSV goes: checked before grading, and only the grader's own CSV is overwritten --

@pytest.mark.parametrize("name, why", [("subs/ana.ipynb", "must be a .csv"), ("subs/old.csv", "not a scores CSV"),
                                       ("folder.csv", "must be a file")])
def test_the_grader_refuses_an_output_that_is_not_its_own_csv_before_grading(tmp_path, capsys, monkeypatch,
                                                                             name, why):
    subs = tmp_path / "subs"
    subs.mkdir()
    submission(subs / "ana.ipynb", "from lrlib import checks")
    (subs / "old.csv").write_text("student,mark\nana,3\n")
    (tmp_path / "folder.csv").mkdir()
    before = {path.name: path.read_bytes() for path in subs.iterdir()}
    graded = []
    monkeypatch.setattr(Grader, "grade", lambda *args: graded.append(args))
    assert main(["grade", str(subs), "--chapter", "11", "--out", str(tmp_path / name)]) == 2
    error = capsys.readouterr().err
    assert error.count("error:") == 1 and why in error and "out=" in error
    assert not graded and {path.name: path.read_bytes() for path in subs.iterdir()} == before


def test_the_grader_overwrites_a_scores_csv_it_wrote(tmp_path):
    out = tmp_path / "scores.csv"
    out.write_text(",".join([*COLUMNS, "ex-a"]) + "\n")
    check_scores_path(out)  # no error
