"""How long each chapter takes to run, as a class would run it: in order, in a fresh kernel each,
with one results folder that starts empty (later chapters reuse earlier ones' runs).

Writes ``benchmarks/results/chapter_times.md``, the table the instructors' page includes, with
the machine it was measured on. Run it on the machine you teach with (a laptop, Colab with a GPU):

    python benchmarks/chapter_times.py [--profile quick]
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as results:
        env = {**os.environ, "LRLIB_PROFILE": args.profile, "LRLIB_RESULTS_DIR": results, "TF_CPP_MIN_LOG_LEVEL": "2"}
        env.pop("LRLIB_STORED_ONLY", None)
        rows = []
        for chapter in book_chapters():
            seconds = chapter_seconds(chapter, env)
            rows.append((chapter.stem, seconds))
            print(f"{chapter.stem}: {seconds:.0f} s", flush=True)
    total = sum(seconds for _, seconds in rows)
    lines = ["| chapter | minutes |", "|---|---:|"]
    lines += [f"| {{doc}}`{stem}` | {seconds / 60:.1f} |" for stem, seconds in rows]
    lines += [f"| all chapters | {total / 60:.1f} |", "",
              f"Measured with `python benchmarks/chapter_times.py --profile {args.profile}` on "
              f"{describe_device()} ({time.strftime('%Y-%m-%d')}, lrlib {lrlib.__version__}): each chapter "
              "run top to bottom in a fresh kernel, in the book's order, starting with no results of its "
              "own (the book's stored full-profile results are not used in this profile)."]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"total {total / 60:.1f} min; table written to {OUT}")


if __name__ == "__main__":
    main()
