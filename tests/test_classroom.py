"""The student edition (no solution leaks, outputs cleared, an answer cell per check) and the
grader (a CSV row for every submission, whether it passes, fails, raises, hangs or is broken)."""

import csv
import re

import nbformat
import pytest

from lrlib import classroom
from lrlib.cli import main

SOLUTION = re.compile(r"```\{solution-start\}.*?```\{solution-end\}", re.S)
CHECK_LINE = re.compile(r"^checks\.\w+\(\w+\)$")


def text_of(notebook):
    return "\n".join(cell.source for cell in notebook.cells)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("students")
    return {path.name: nbformat.read(path, as_version=4) for path in classroom.student_edition(out)}


@pytest.mark.parametrize("chapter", classroom.book_chapters(), ids=lambda p: p.name)
def test_no_solution_text_leaks_into_the_student_edition(edition, chapter):
    teacher = text_of(nbformat.read(chapter, as_version=4))
    outside = SOLUTION.sub("", teacher)
    solution_lines = {line.strip() for block in SOLUTION.findall(teacher) for line in block.splitlines()}
    secret = {line for line in solution_lines
              if len(line) > 25 and line not in outside and not CHECK_LINE.match(line)}
    student = text_of(edition[chapter.name])
    assert not [line for line in secret if line in student]
    assert "solution-start" not in student and "solution-end" not in student
    assert teacher.count("{exercise}") == student.count("{exercise}")


def test_the_student_edition_keeps_the_set_up_and_the_checks_and_clears_outputs(edition):
    for name, notebook in edition.items():
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert "google.colab" in code[0].source  # the install cell
        assert 'lrlib.use_profile("quick")' in code[1].source  # the profile line the grader expects
        assert all(not cell.outputs and cell.execution_count is None for cell in code)
        assert notebook.metadata["lrlib"] == {"chapter": name.removesuffix(".ipynb"), "edition": "student"}
        for before, cell in zip(code, code[1:]):
            if CHECK_LINE.match(cell.source.strip()):  # an answer cell to fill in comes first
                answer = re.match(r"checks\.\w+\((\w+)\)", cell.source).group(1)
                assert before.source.startswith("# Your answer:") and before.source.endswith(f"{answer} = ...")


def test_a_whole_solution_directive_is_removed_too():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "Before.\n\n````{solution} ex-a\n:class: dropdown\n\nThe secret.\n```python\nx = 1\n```\n````\n\nAfter.")])
    student = classroom.student_notebook(notebook, "00_toy")
    assert "secret" not in text_of(student) and "Before." in text_of(student) and "After." in text_of(student)


def test_book_chapters_refuses_a_folder_without_chapters(tmp_path):
    with pytest.raises(FileNotFoundError, match=f"book={str(tmp_path)!r}"):
        classroom.book_chapters(tmp_path)


def submission(path, *sources, chapter="11_how_adaptive_optimizers_adapt"):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["lrlib"] = {"chapter": chapter, "edition": "student"}
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


def test_the_grader_writes_a_row_for_every_submission(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    imports = "from lrlib import checks"
    submission(folder / "ana.ipynb", imports, "checks.adaptive_stable_rate(0.02)", "checks.adaptive_adagrad(1.0)")
    submission(folder / "ben.ipynb", imports, "1 / 0", "checks.adaptive_stable_rate(0.01)")
    submission(folder / "cy.ipynb", imports, "checks.adaptive_stable_rate(0.02)", "import time\ntime.sleep(120)")
    (folder / "dee.ipynb").write_text("{ this is not a notebook")
    out = tmp_path / "scores.csv"
    grades = classroom.grade(folder, out, timeout=20)
    rows = {row["notebook"]: row for row in csv.DictReader(out.open())}
    assert set(rows) == {"ana.ipynb", "ben.ipynb", "cy.ipynb", "dee.ipynb"} and len(grades) == 4
    assert rows["ana.ipynb"]["ex-adaptive-stable-rate"] == "1" and rows["ana.ipynb"]["ex-adaptive-adagrad"] == "0"
    assert rows["ana.ipynb"]["status"] == "ok" and rows["ana.ipynb"]["score"] == "1"
    assert rows["ana.ipynb"]["profile"] == "quick" and rows["dee.ipynb"]["profile"] == ""
    assert rows["ana.ipynb"]["out of"] == "3"  # every exercise of the chapter, tried or not
    assert rows["ben.ipynb"]["status"] == "errors in 1 cells" and rows["ben.ipynb"]["score"] == "0"
    assert rows["cy.ipynb"]["status"] == "timed out in 1 cells" and rows["cy.ipynb"]["score"] == "1"
    assert rows["dee.ipynb"]["status"].startswith("unreadable") and rows["dee.ipynb"]["score"] == "0"


def test_the_grader_records_the_profile_a_notebook_switched_to(tmp_path):
    # The teacher asks for quick; the notebook's own visible line wins, and its checks expect that
    # profile's answers: the row keeps the profile and its status says it differs.
    folder = tmp_path / "submissions"
    folder.mkdir()
    submission(folder / "eve.ipynb", "import lrlib\nlrlib.use_profile('tiny')", "from lrlib import checks",
               "checks.adaptive_stable_rate(0.02)")
    out = tmp_path / "scores.csv"
    [eve] = classroom.grade(folder, out, timeout=60)
    assert eve.profile == "tiny" and eve.status == "ran in profile 'tiny', not 'quick'" and eve.score == 1
    with out.open() as file:
        header, row = list(csv.reader(file))
    assert header[:4] == ["notebook", "chapter", "status", "profile"] and row[3] == "tiny"


def test_the_command_line_writes_the_edition_and_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["student-edition", str(tmp_path / "students")]) == 0
    assert len(list((tmp_path / "students").glob("*.ipynb"))) == len(classroom.book_chapters())
    assert main(["grade", str(tmp_path / "nowhere")]) == 2
    error = capsys.readouterr().err
    assert "folder=" in error and "nowhere" in error
    assert main(["grade", str(tmp_path / "students"), "--timeout", "0"]) == 2
    assert "timeout=0" in capsys.readouterr().err


# --- issue 26, item 1: the student edition never strips the solutions of the instructor's copy ------------

@pytest.fixture
def small_book(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    for chapter in classroom.book_chapters()[:2]:
        (book / chapter.name).write_bytes(chapter.read_bytes())
    return book


def test_the_student_edition_refuses_the_books_own_folder_unless_forced(small_book, capsys, monkeypatch):
    before = {path.name: path.read_bytes() for path in small_book.iterdir()}
    monkeypatch.chdir(small_book.parent)
    assert main(["student-edition", "book", "--book", str(small_book)]) == 2
    error = capsys.readouterr().err
    assert error.count("error:") == 1 and "book's own folder" in error and "2 chapters" in error
    assert {path.name: path.read_bytes() for path in small_book.iterdir()} == before
    assert main(["student-edition", "book", "--book", str(small_book), "--force"]) == 0


def test_the_student_edition_refuses_to_overwrite_notebooks_with_solutions(small_book, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    teacher = sorted(small_book.iterdir())[1]
    (out / teacher.name).write_bytes(teacher.read_bytes())
    assert main(["student-edition", str(out), "--book", str(small_book)]) == 2
    assert teacher.name in capsys.readouterr().err
    assert (out / teacher.name).read_bytes() == teacher.read_bytes()
    assert main(["student-edition", str(out), "--book", str(small_book), "--force"]) == 0
    # A student edition written before is replaced without --force.
    assert main(["student-edition", str(out), "--book", str(small_book)]) == 0


# --- issue 26, item 2: the grader checks where it writes before grading, and overwrites only its own CSV --

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
    monkeypatch.setattr(classroom, "grade_notebook", lambda *args: graded.append(args))
    assert main(["grade", str(subs), "--out", str(tmp_path / name)]) == 2
    error = capsys.readouterr().err
    assert error.count("error:") == 1 and why in error and "out=" in error
    assert not graded and {path.name: path.read_bytes() for path in subs.iterdir()} == before


def test_the_grader_overwrites_a_scores_csv_it_wrote(tmp_path):
    out = tmp_path / "scores.csv"
    out.write_text("notebook,chapter,status,ex-a,score,out of\n")
    classroom.check_scores_path(out)  # no error
