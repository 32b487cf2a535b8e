"""``python -m lrlib.edition BUILD [--no-solutions]``: publish the learner notebooks and lrlib's
wheel into the book built in BUILD (``_build``) and remove what no page uses, as ``make book``
does after ``jupyter-book build`` (and ``make student-book``, without the solutions)."""

import argparse
import sys
from pathlib import Path

from .myst import EditionError
from .publish import publish
from .slim import slim, weights


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lrlib.edition", description=__doc__)
    parser.add_argument("build", type=Path, help="the Jupyter Book build folder (holding html/ and jupyter_execute/)")
    parser.add_argument("--no-solutions", action="store_true",
                        help="leave every solution out (the student book: make student-book)")
    args = parser.parse_args(argv)
    try:
        written = publish(args.build, solutions=not args.no_solutions)
    except (EditionError, FileNotFoundError, ValueError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    site = args.build / "html"
    before = weights(site)
    slim(site)
    print(f"{len(written)} learner notebooks and lrlib's wheel written into {site}; the site before slimming: "
          f"{before}; after: {weights(site)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
