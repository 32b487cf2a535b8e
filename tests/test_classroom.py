"""The student edition: no solution leaks, outputs cleared, an answer cell per check (the grader's
tests are in test_grading.py)."""

import re

import nbformat
import pytest

from lrlib import classroom
from lrlib.cli import main
from solution_helpers import CHECK_LINE, secret_lines, text_of


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    out = tmp_path_factory.mktemp("students")
    return {path.name: nbformat.read(path, as_version=4) for path in classroom.student_edition(out)}


@pytest.mark.parametrize("chapter", classroom.book_chapters(), ids=lambda p: p.name)
def test_no_solution_text_leaks_into_the_student_edition(edition, chapter):
    teacher = text_of(nbformat.read(chapter, as_version=4))
    secret = secret_lines(chapter)
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


def test_the_command_line_writes_the_edition_and_refuses_a_missing_folder(tmp_path, capsys):
    assert main(["student-edition", str(tmp_path / "students")]) == 0
    assert len(list((tmp_path / "students").glob("*.ipynb"))) == len(classroom.book_chapters())
    assert main(["grade", str(tmp_path / "nowhere"), "--chapter", "11"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and "folder=" in error and "nowhere" in error
    assert main(["grade", str(tmp_path / "students"), "--chapter", "11", "--limit", "0"]) == 2
    assert "limit=0" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "students"), "--chapter", "99"]) == 2
    assert "chapter='99'" in capsys.readouterr().err


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
