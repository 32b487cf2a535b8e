"""Command line: ``python -m lrlib run ...`` and ``python -m lrlib reproduce ...``."""

from __future__ import annotations

import argparse
import sys

from .experiment import OPTIMIZERS, Experiment
from .profiles import PROFILES, default_profile
from .catalog import GROUPS, scenarios
from .training import run, run_many


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
    one.add_argument("--optimizer", default="adam", choices=sorted(OPTIMIZERS), help="optimizer (default adam)")
    one.add_argument("--lr", type=float, required=True, help="learning rate, e.g. 0.001")
    one.add_argument("--epochs", type=int, default=25, help="epochs (default 25; quick caps at 5, tiny at 2)")
    one.add_argument("--batch-size", type=int, default=250, help="batch size (default 250)")
    one.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    _add_profile(one)
    one.add_argument("--retrain", action="store_true", help="train even if a result is stored")

    every = commands.add_parser("reproduce", help="run every experiment the book needs that is not stored yet",
                                description="Run every stored experiment of the book that is missing, "
                                            "store each as it finishes, and print a table next to the "
                                            "article's figures.")
    _add_profile(every)
    every.add_argument("--only", choices=sorted(GROUPS), action="append",
                       help="restrict to a group of experiments (repeatable); default all groups")
    every.add_argument("--retrain", action="store_true", help="train again even what is stored")
    return parser


def _add_profile(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=sorted(PROFILES), default=None,
                        help="data profile (default: $LRLIB_PROFILE or full)")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    profile = args.profile or default_profile()
    try:
        if args.command == "run":
            experiment = Experiment(args.optimizer, args.lr, epochs=args.epochs, batch_size=args.batch_size,
                                    seed=args.seed, profile=profile)
    except (TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "run":
        result = run(experiment, retrain=args.retrain)
        print(f"{experiment.label()} ({profile} profile, {result.epochs_run} epochs): "
              f"test loss {result.test_loss:.4f} / test accuracy {result.test_accuracy:.4f}"
              + (f" / diverged: {result.divergence_reason}" if result.diverged else ""))
        return 0
    for group in args.only or list(GROUPS):  # in the order of the book
        chosen = scenarios(group, profile)
        results = run_many([s.experiment for s in chosen], retrain=args.retrain, verbose=True, description=group)
        print(format_table(group, chosen, results))
    return 0


def format_table(group: str, chosen, results) -> str:
    """A plain-text table: scenario | article's test loss and accuracy | ours."""
    def pair(loss, accuracy):
        return "—" if loss is None else f"{loss:.4f} / {accuracy:.4f}"

    rows = [(s.name, s.experiment.label(), pair(s.article_test_loss, s.article_test_accuracy),
             pair(r.test_loss, r.test_accuracy) + (" (diverged)" if r.diverged else ""))
            for s, r in zip(chosen, results)]
    header = ("scenario", "experiment", "article: test loss / acc", "ours: test loss / acc")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [f"== {group} =="] + [" | ".join(str(c).ljust(w) for c, w in zip(row, widths)) for row in [header, *rows]]
    lines.insert(2, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)
