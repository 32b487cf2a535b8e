"""Grading submitted notebooks: run each in a sandbox, extract its answers as data, judge them here.

``Grader(chapter)`` grades one submission; ``grade_folder`` a folder, into an LMS-ready CSV with
the executed notebooks beside it. See ``grader`` (the judging), ``runner`` and ``sandbox`` (the
running), ``answers`` (the data that crosses from the kernel) and ``gradebook`` (the teacher's view).
"""

from .gradebook import grade_folder, progress_bar, summary, write_csv
from .grader import Grade, Grader, chapter_named, student_of

__all__ = ["Grade", "Grader", "chapter_named", "grade_folder", "progress_bar", "student_of", "summary", "write_csv"]
