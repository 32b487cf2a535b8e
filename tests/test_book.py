"""The book builds with warnings as errors, from stored results, as `make book` builds it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built_book(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "LRLIB_PROFILE": "full", "LRLIB_STORED_ONLY": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env.pop("LRLIB_RESULTS_DIR", None)  # the published build reads the package's results only
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(ROOT), "--path-output", str(out),
                           "--warningiserror", "--keep-going"], capture_output=True, text=True, env=env,
                          timeout=1800)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    assert "warning" not in done.stderr.lower(), done.stderr[-3000:]
    return out / "_build" / "html"


def test_title_page_and_bibliography(built_book):
    assert "book/intro.html" in (built_book / "index.html").read_text()  # the root redirects
    index = (built_book / "book" / "intro.html").read_text()
    assert "Choosing learning rates" in index
    bibliography = (built_book / "book" / "bibliography.html").read_text()
    for name in ("Smith", "Topin", "Lau", "Surmenok", "Problems with fixed and decaying learning rates"):
        assert name in bibliography
    assert "CC BY 4.0" in index and "MIT" in index
