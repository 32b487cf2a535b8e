"""benchmarks/chapter_times.py: the table of minutes per chapter the instructors' page includes."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def chapter_times(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("chapter_times", ROOT / "benchmarks" / "chapter_times.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "book_chapters", lambda: [tmp_path / f"{stem}.ipynb" for stem in ("01_a", "02_b", "03_c")])
    monkeypatch.setattr(module, "OUT", tmp_path / "times.md")
    return module


def run(module, monkeypatch, seconds, *arguments):
    monkeypatch.setattr(module, "chapter_seconds", lambda chapter, env: seconds[chapter.stem])
    monkeypatch.setattr(sys, "argv", ["chapter_times.py", *arguments])
    module.main()
    return module.OUT.read_text()


def test_only_retimes_the_named_chapters_and_keeps_the_other_rows(chapter_times, monkeypatch):
    table = run(chapter_times, monkeypatch, {"01_a": 60, "02_b": 120, "03_c": 30})
    assert "| {doc}`02_b` | 2.0 |" in table and "| all chapters | 3.5 |" in table and "Measured with" in table
    table = run(chapter_times, monkeypatch, {"03_c": 240}, "--only", "03_c")
    assert "| {doc}`03_c` | 4.0 |" in table and "| {doc}`01_a` | 1.0 |" in table and "| all chapters | 7.0 |" in table
    assert "Measured with" in table and "Re-timed with `--only 03_c`" in table and "upper bound" in table


def test_only_refuses_a_chapter_the_book_does_not_have(chapter_times, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        run(chapter_times, monkeypatch, {}, "--only", "99_x")
    assert "no such chapter in the book: 99_x" in capsys.readouterr().err
