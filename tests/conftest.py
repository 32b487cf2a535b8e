import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import lrlib  # noqa: E402  (imports TensorFlow quietly once for the whole session)
from lrlib import data  # noqa: E402

BOOK_ROOT = Path(__file__).resolve().parents[1]
SHARED_MNIST = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "mnist.npz")


@pytest.fixture(autouse=True)
def isolated_results(tmp_path, monkeypatch):
    """Every test writes results to its own folder, never into the package."""
    monkeypatch.setenv("LRLIB_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.delenv("LRLIB_STORED_ONLY", raising=False)
    return tmp_path / "results"


@pytest.fixture
def fresh_data_cache():
    data._raw_mnist.cache_clear()
    yield
    data._raw_mnist.cache_clear()


def fake_mnist_arrays(n_train=200, n_test=50, seed=0):
    """Random images with balanced labels in Keras's MNIST layout (uint8)."""
    rng = np.random.default_rng(seed)
    return {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": np.arange(n_train, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": np.arange(n_test, dtype=np.uint8) % 10,
    }


@pytest.fixture
def fake_mnist_file(tmp_path, fresh_data_cache):
    path = tmp_path / "mnist.npz"
    np.savez(path, **fake_mnist_arrays())
    return path


@pytest.fixture
def book_results(monkeypatch):
    """The book's stored full-profile results, served without training (as `make book` reads them)."""
    monkeypatch.setenv("LRLIB_PROFILE", "full")
    monkeypatch.setenv("LRLIB_STORED_ONLY", "1")


@pytest.fixture(autouse=True)
def fresh_check_tries():
    """Each test starts with no tries and no verdicts recorded by lrlib.checks."""
    from lrlib import checks

    checks.reset()
    yield
    checks.reset()


@pytest.fixture(scope="session")
def chromium():
    """Debian's headless Chromium, driven by Playwright (its own browser download fails offline)."""
    from playwright.sync_api import sync_playwright

    from browser_helpers import chromium_path

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """The HTML book with its learner notebooks, built once per session as `make book` builds
    them (tests/test_book.py, tests/test_learner_edition.py and tests/test_book_in_browser.py read it)."""
    if os.environ.get("LRLIB_BUILT_BOOK"):  # a developer's shortcut: the site `make book` built
        return Path(os.environ["LRLIB_BUILT_BOOK"]).resolve()
    out = tmp_path_factory.mktemp("book")
    env = {**os.environ, "LRLIB_PROFILE": "full", "LRLIB_STORED_ONLY": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    env["LRLIB_RESULTS_DIR"] = str(BOOK_ROOT / "lrlib" / "results")  # as make book: the book's results only
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    done = subprocess.run([str(jupyter_book), "build", str(BOOK_ROOT), "--path-output", str(out),
                           "--warningiserror", "--keep-going"], capture_output=True, text=True, env=env,
                          timeout=1800)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    # Sphinx's own warnings fail the build above; the kernels' "[IPKernelApp] WARNING" lines about
    # local TCP are not the book's.
    warnings = [line for line in done.stderr.splitlines() if "WARNING" in line and "[IPKernelApp]" not in line]
    assert not warnings, warnings
    # ... then, as `make book` does, the learner notebooks beside the pages and lrlib's wheel.
    done = subprocess.run([sys.executable, "-m", "lrlib.edition", str(out / "_build")], capture_output=True,
                          text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-5000:]
    return out / "_build" / "html"
