"""How long each chapter takes to run, as a class would run it: in order, in a fresh kernel each,
with one results folder that starts empty (later chapters reuse earlier ones' runs).

Writes ``benchmarks/results/chapter_times.md``, the table the instructors' page includes, with
the machine it was measured on. Run it on the machine you teach with (a laptop, Colab with a GPU):

    python benchmarks/chapter_times.py [--profile quick] [--only CHAPTER ...]

``--only`` times the named chapters (in the book's order, in one fresh results folder) and
replaces their rows, keeping the others: a chapter timed so also pays for runs an earlier
chapter would have left it, so its figure is an upper bound, and the table says so.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

import lrlib
from lrlib.classroom import book_chapters
from lrlib.training import describe_device

OUT = Path(__file__).resolve().parent / "results" / "chapter_times.md"


def chapter_seconds(chapter: Path, env: dict[str, str]) -> float:
    notebook = nbformat.read(chapter, as_version=4)
    client = NotebookClient(notebook, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(chapter.parent)}})
    started = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick", choices=sorted(lrlib.PROFILES))
    parser.add_argument("--only", nargs="+", metavar="CHAPTER", help="time these chapters (notebook names without "
                        ".ipynb) and keep the other rows of the table")
    args = parser.parse_args()
    chapters = book_chapters()
    if args.only:
        unknown = sorted(set(args.only) - {chapter.stem for chapter in chapters})
        if unknown:
            parser.error(f"argument --only: no such chapter in the book: {', '.join(unknown)}")
        chapters = [chapter for chapter in chapters if chapter.stem in args.only]
    with tempfile.TemporaryDirectory() as results:
        env = {**os.environ, "LRLIB_PROFILE": args.profile, "LRLIB_RESULTS_DIR": results, "TF_CPP_MIN_LOG_LEVEL": "2"}
        env.pop("LRLIB_STORED_ONLY", None)
        measured = {}
        for chapter in chapters:
            seconds = chapter_seconds(chapter, env)
            measured[chapter.stem] = f"{seconds / 60:.1f}"
            print(f"{chapter.stem}: {measured[chapter.stem]} min ({seconds:.0f} s)", flush=True)
    when = f"{describe_device()} ({time.strftime('%Y-%m-%d')}, lrlib {lrlib.__version__})"
    kept, notes = (_rows_and_notes() if args.only else ({}, []))
    minutes = {chapter.stem: measured.get(chapter.stem, kept.get(chapter.stem)) for chapter in book_chapters()}
    lines = ["| chapter | minutes |", "|---|---:|"]
    lines += [f"| {{doc}}`{stem}` | {value} |" for stem, value in minutes.items() if value is not None]
    lines += [f"| all chapters | {sum(float(v) for v in minutes.values() if v is not None):.1f} |", ""]
    if args.only:
        lines += notes + ["", f"Re-timed with `--only {' '.join(args.only)}` on {when}: these chapters alone, in one "
                          "fresh results folder, so each also paid for runs an earlier chapter would have stored "
                          "(an upper bound)."]
    else:
        lines += [f"Measured with `python benchmarks/chapter_times.py --profile {args.profile}` on {when}: each "
                  "chapter run top to bottom in a fresh kernel, in the book's order, with one results folder that "
                  "starts empty, so later chapters reuse earlier ones' runs (the book's stored full-profile results "
                  "are not used in this profile)."]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"table written to {OUT}")


def _rows_and_notes() -> tuple[dict[str, str], list[str]]:
    """The minutes per chapter and the notes below the table, as the table file has them now."""
    rows, notes = {}, []
    for line in OUT.read_text().splitlines() if OUT.exists() else []:
        if line.startswith("| {doc}`"):
            stem, value = line.split("`")[1], line.split("|")[2].strip()
            rows[stem] = value
        elif line and not line.startswith("|"):
            notes.append(line)
    return rows, notes


if __name__ == "__main__":
    main()
