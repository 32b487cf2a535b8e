"""Grading submitted notebooks: run each in a sandbox, extract its answers as data, judge them here.

``Grader(chapter)`` grades one submission; ``grade_folder`` a folder, into an LMS-ready CSV with
the executed notebooks beside it. See ``grader`` (the judging), ``runner`` and ``sandbox`` (the
running), ``answers`` (the data that crosses from the kernel) and ``gradebook`` (the teacher's view).
Nothing is imported until asked for: the student's kernel imports ``answers`` at the end of a
notebook's time, and should not wait for the grader's own modules then.
"""

import importlib

_WHERE = {"Grade": "grader", "Grader": "grader", "chapter_named": "grader", "student_of": "grader",
          "grade_folder": "gradebook", "progress_bar": "gradebook", "summary": "gradebook", "write_csv": "gradebook"}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module 'lrlib.grading' has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
