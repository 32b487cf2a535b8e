"""Command line: ``python -m lrlib run ...``, ``reproduce ...``, ``student-edition ...`` and ``grade ...``.

Every error a user can cause (a bad value, a missing data file, an unwritable folder, a bad
environment variable, an unreachable Ray cluster) prints one ``error:`` line and exits with status
2, without a traceback. ``reproduce --jobs``/``--ray`` runs that fail twice are listed in one
``error:`` line, status 1, after every other run is stored; Ctrl-C exits with status 130.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tqdm.auto import tqdm

from .catalog import GROUPS, groups_of, scenarios
from .data import ENV_PATH, MnistFileError, describe_data, named_path
from .experiment import OPTIMIZERS, Experiment
from .profiles import PROFILES, default_profile, get_profile
from .results import ENV_RESULTS_DIR, ResultStore, book_store, find_stored, results_folder, stores, user_store
from .parallel import EngineError, ProcessEngine, RayEngine, Task, train_all
from .training import MissingResultError, find_stored_for_training, profile_data, run, run_many

USER_ERRORS = (ValueError, TypeError, OSError, MnistFileError, MissingResultError, EngineError)
# Groups built from the stored results of earlier groups (their rates come from the stored range
# tests): a parallel reproduction starts them once everything before them is stored.
BUILT_FROM_STORED = ("range-suggested", "clr", "one-cycle-choices", "one-cycle-repeats", "one-cycle-budgets")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lrlib",
        description="Train the article's MNIST CNN at chosen learning rates, or reproduce every "
                    "experiment of the course. Results are stored and reused; set LRLIB_MNIST_PATH "
                    "to a local mnist.npz when offline, LRLIB_PROFILE to change the default profile.")
    commands = parser.add_subparsers(dest="command", required=True)

    one = commands.add_parser("run", help="train one experiment and print its test loss and accuracy",
                              description="Train one experiment (or show its stored result) with "
                                          "one line per epoch, then print test loss and accuracy.")
    one.add_argument("--optimizer", default="adam", type=str.lower, choices=sorted(OPTIMIZERS),
                     help="optimizer, any case (default adam)")
    one.add_argument("--lr", type=float, required=True, help="learning rate, e.g. 0.001")
    one.add_argument("--epochs", type=int, default=25, help="epochs (default 25; quick caps at 5, tiny at 2)")
    one.add_argument("--batch-size", type=int, default=250, help="batch size (default 250)")
    one.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_profile(one)
    one.add_argument("--retrain", action="store_true", help="train even if a result is stored")
    one.add_argument("--results-dir", default=None,
                     help="where to store the result (default: $LRLIB_RESULTS_DIR, else your cache folder)")

    every = commands.add_parser("reproduce", help="run every experiment the book needs that is not stored yet",
                                description="Run every experiment of the book that is missing, store each "
                                            "as it finishes in the book's own results (inside the "
                                            "package), and print a table next to the article's figures.")
    _add_profile(every)
    every.add_argument("--only", choices=sorted(GROUPS), action="append",
                       help="restrict to a group of experiments (repeatable); default all groups")
    every.add_argument("--retrain", action="store_true", help="train again even what is stored")
    every.add_argument("--results-dir", default=None,
                       help="store the results here instead of in the book's results inside the package")
    every.add_argument("--jobs", metavar="N", default=None,
                       help="train N runs at once, longest first, each in its own worker process (sharing "
                            "the CPU cores; one GPU each when there are GPUs), with the numbers a run trained "
                            "here gets; with --ray, at most N runs at once (and a local Ray of N CPUs)")
    every.add_argument("--ray", metavar="ADDRESS", nargs="?", const="local", default=None,
                       help="train each run as a Ray task: on a local Ray started now, or on the running "
                            "cluster at ADDRESS (host:port, ray://host:port or auto); a GPU per run when the "
                            "cluster has GPUs. Needs pip install 'lrlib[ray]'")

    student = commands.add_parser("student-edition", help="write the chapters without their solutions, for students",
                                  description="Write every chapter as a student notebook: solutions removed, "
                                              "outputs cleared, an answer cell before each check.")
    student.add_argument("out", type=Path, help="folder to write the student notebooks into")
    student.add_argument("--book", type=Path, default=None, help="folder of the chapters (default: the course's book/)")
    student.add_argument("--force", action="store_true",
                         help="write even into the book's own folder or over notebooks that have solutions")

    marking = commands.add_parser("grade", help="grade a folder of submitted notebooks of one chapter into a CSV",
                                  description="Run each notebook of a folder in its own sandbox (a fresh folder, "
                                              "HOME and results cache; a time and memory limit), take the answers "
                                              "it gave the chapter's checks as data, and judge them here, in this "
                                              "process. One CSV row per student (from the file name), the "
                                              "executed notebooks beside it, a summary at the end.")
    marking.add_argument("folder", type=Path, help="folder of submitted .ipynb files, one per student")
    marking.add_argument("--chapter", required=True,
                         help="the chapter assigned: its notebook's name or number (11); its exercises are the "
                              "denominator")
    marking.add_argument("--out", type=Path, default=Path("scores.csv"), help="CSV to write (default scores.csv)")
    marking.add_argument("--limit", type=int, default=600, help="seconds one notebook may run (default 600)")
    marking.add_argument("--memory-gb", type=float, default=8.0,
                         help="address space one notebook may take, in GiB (default 8; 0: no cap)")
    marking.add_argument("--profile", choices=sorted(PROFILES), default="quick",
                         help="profile the notebooks run and are judged in (default quick)")
    return parser


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=sorted(PROFILES), default=None,
                        help="data profile (default: $LRLIB_PROFILE or full)")


def main(argv: list[str] | None = None) -> int:
    # A terminal that cannot print some character gets an escape, not a UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        if args.command == "student-edition":
            return _student_edition(args)
        if args.command == "grade":
            return _grade(args)
        profile = get_profile(args.profile or default_profile()).name
        if args.command == "run":
            return _run_one(args, profile)
        return _reproduce(args, profile)
    except MissingResultError as error:
        groups = groups_of(error.experiment)
        advice = (f" Produce it with: python -m lrlib reproduce --profile {error.experiment.profile}"
                  + "".join(f" --only {group}" for group in groups)) if groups else ""
        return _fail(f"{error}{advice}")
    except USER_ERRORS as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted; every finished run is stored, and rerunning resumes from there", status=130)


def _fail(message: str, status: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _student_edition(args) -> int:
    from .classroom import student_edition

    written = student_edition(args.out.expanduser(), args.book, force=args.force)
    print(f"Wrote {len(written)} student notebooks to {args.out}")
    return 0


def _grade(args) -> int:
    from .grading import Grader, grade_folder, progress_bar, summary

    grader = Grader(args.chapter, profile=args.profile, limit=args.limit, memory_gb=args.memory_gb or None)
    grades = grade_folder(args.folder.expanduser(), args.out.expanduser(), grader, progress=progress_bar())
    print(summary(grades, grader.exercises))
    print(f"Scores of {len(grades)} students written to {args.out}, "
          f"the executed notebooks to {args.out.parent / (args.out.stem + '-notebooks')}")
    return 0


def _run_one(args, profile: str) -> int:
    experiment = Experiment(args.optimizer, args.lr, epochs=args.epochs, batch_size=args.batch_size,
                            seed=args.seed, profile=profile)
    given = args.results_dir is not None  # "" too: refused, not the current folder
    store = ResultStore(results_folder("results_dir", args.results_dir)) if given else user_store()
    stored = None if args.retrain else find_stored_for_training(experiment, stores(store))
    result = stored or run(experiment, retrain=True, store=store)  # retrain: searched just now
    print(f"{experiment.label()} ({profile} profile, {result.epochs_run} epochs): "
          f"test loss {result.test_loss:.4f} / test accuracy {result.test_accuracy:.4f} / {result.outcome}")
    print(f"{'Stored result' if stored else 'Trained now'}, on {result.data_description}"
          + (f"; no data file is named ({ENV_PATH} is unset), so this machine's data was not used"
             if stored and result.on_real_mnist and named_path() is None else ""))
    return 0


def _reproduce(args, profile: str) -> int:
    engine = _engine(args)  # a bad --jobs, or Ray missing: refused before anything is read or written
    given = args.results_dir is not None
    store = ResultStore(results_folder("results_dir", args.results_dir)) if given else book_store()
    if given:  # groups built from stored results (range-suggested) must search this store too
        os.environ[ENV_RESULTS_DIR] = str(store.root)
    groups = args.only or list(GROUPS)  # in the order of the book
    # A count, before training: a group built from earlier groups' results (range-suggested) may grow.
    to_train = [s.experiment for group in groups for s in scenarios(group, profile)
                if args.retrain or find_stored(s.experiment, searched=stores(store)) is None]
    if to_train and store.root.resolve() == book_store().root.resolve():
        data = profile_data(profile)
        if not data.is_real_mnist:  # the book's results are the real MNIST's, always
            return _fail(f"the book's results must be trained on the real MNIST, but this machine "
                         f"has {data.source}. Set LRLIB_MNIST_PATH to mnist.npz, or store elsewhere "
                         "with --results-dir.")
    if engine is not None and to_train:
        with engine:  # joins or starts Ray first: an unreachable address fails before any folder is made
            store.check_writable(profile)
            print(f"Results are stored in {store.root}; {len(to_train)} runs to train on {engine.description}.")
            failures = _train_in_parallel(groups, profile, store, engine, args.retrain)
        for group in groups:
            chosen = scenarios(group, profile)
            print(format_table(group, chosen, [find_stored_for_training(s.experiment, stores(store)) for s in chosen]))
        if failures:
            listed = "; ".join(f"{f.task.label} ({f.reason})" for f in failures)
            return _fail(f"{len(failures)} runs failed twice and are not stored: {listed}. Every other run is "
                         "stored; run the command again to train what is missing.", status=1)
        return 0
    if to_train:
        store.check_writable(profile)
    print(f"Results are stored in {store.root}; {len(to_train)} runs to train.")
    for group in groups:
        chosen = scenarios(group, profile)  # now, after the groups it may be built from
        results = run_many([s.experiment for s in chosen], retrain=args.retrain, verbose=True,
                           description=group, store=store)
        print(format_table(group, chosen, results))
    return 0


def _engine(args) -> ProcessEngine | RayEngine | None:
    """What ``--jobs`` and ``--ray`` ask for (nothing started yet); ``None`` for neither: then
    every run trains in this process, one after another."""
    if args.ray is not None:
        return RayEngine(args.ray, jobs=args.jobs)
    if args.jobs is not None:
        return ProcessEngine(args.jobs)
    return None


def _train_in_parallel(groups: list[str], profile: str, store: ResultStore, engine, retrain: bool) -> list:
    """Train what ``groups`` miss (everything with ``retrain``) on ``engine``, with one progress
    bar across the runs. Consecutive groups train together, longest run first, except that a
    group of ``BUILT_FROM_STORED`` waits for the groups before it."""
    stages: list[list[str]] = [[]]
    for group in groups:
        if group in BUILT_FROM_STORED and stages[-1]:
            stages.append([])
        stages[-1].append(group)
    attempted, failures = set(), []
    with tqdm(total=0, desc="reproduce", unit="run", delay=1e-9) as bar:  # shown once it has a total
        for stage in stages:
            while True:  # again while a group grows from what the stage just stored
                tasks = [task for task in _tasks(stage, profile, store, retrain) if task.spec not in attempted]
                if not tasks:
                    break
                attempted.update(task.spec for task in tasks)
                bar.total += len(tasks)
                bar.refresh()
                failures += train_all(tasks, engine, store, bar)
    return failures


def _tasks(groups: list[str], profile: str, store: ResultStore, retrain: bool) -> list[Task]:
    """A task for each run of ``groups`` that is not stored (each, with ``retrain``); a run
    that several groups share once, under the first."""
    tasks, seen = [], set()
    for group in groups:
        for s in scenarios(group, profile):
            if s.experiment not in seen and (retrain or find_stored_for_training(s.experiment, stores(store)) is None):
                tasks.append(Task(s.experiment, group))
            seen.add(s.experiment)
    return tasks


def format_table(group: str, chosen, results) -> str:
    """A plain-text (ASCII) table: scenario | article's test loss and accuracy | ours | outcome."""
    def pair(loss, accuracy):
        return "-" if loss is None else f"{loss:.4f} / {accuracy:.4f}"

    def ours(record):
        if record is None:  # a run that failed in a parallel reproduction
            return "-", "not stored", "-"
        if hasattr(record, "test_accuracy"):
            return pair(record.test_loss, record.test_accuracy), record.outcome.kind, record.data_description
        suggested = ", ".join(f"{rule} {rate:.2g}" for rule, rate in record.test.suggestions().items())
        data = describe_data(record.data_fingerprint, record.provenance.get("data_source"))
        return suggested, f"{len(record.test.rates)} steps", data

    rows = [(s.name, s.experiment.label(), pair(s.article_test_loss, s.article_test_accuracy), *ours(r))
            for s, r in zip(chosen, results)]
    header = ("scenario", "experiment", "article: test loss / acc", "ours: test loss / acc (range test: rates)",
              "outcome", "data")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [f"== {group} =="] + [" | ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in [header, *rows]]
    lines.insert(2, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
