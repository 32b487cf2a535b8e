"""Install lrlib as the chapters' first cell does on Colab (a built wheel, not the source tree)
into a fresh virtual environment, and run a chapter there from the stored results alone."""

import subprocess
import zipfile
from pathlib import Path

import pytest
from venv_helpers import learner_env, venv_without_lrlib

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    from lrlib.edition.publish import build_wheel

    return build_wheel(tmp_path_factory.mktemp("wheel"))  # as `make book` builds the wheel it publishes


def test_the_wheel_ships_the_full_profile_results(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n for n in names if n.startswith("lrlib/results/full/") and n.endswith(".json")}
    committed = {f"lrlib/results/full/{p.name}" for p in (ROOT / "lrlib" / "results" / "full").glob("*.json")}
    assert shipped == committed and shipped
    assert "lrlib/results/full/SHA256SUMS" in names  # their checksums, checked on read (issue 26, item 4)
    assert not any("/quick/" in n or "/tiny/" in n for n in names)
    assert "lrlib/static/lrlib_static.js" in names  # the published book's controls


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory, wheel):
    python = venv_without_lrlib(tmp_path_factory.mktemp("venv"))
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
                   check=True, timeout=300)
    return python


def clean_env(cache):
    return learner_env(cache, LRLIB_PROFILE="full", LRLIB_STORED_ONLY="1")


def test_lrlib_is_imported_from_the_wheel(fresh_venv, tmp_path):
    where = subprocess.check_output([str(fresh_venv), "-c", "import lrlib; print(lrlib.__file__)"], text=True,
                                    env=clean_env(tmp_path / "cache"), cwd=tmp_path).strip()
    assert "site-packages" in where and not where.startswith(str(ROOT))


def test_a_chapter_runs_there_from_stored_results(fresh_venv, tmp_path):
    chapter = ROOT / "book" / "02_baseline.ipynb"
    script = (
        "import sys, nbformat\n"
        "from nbclient import NotebookClient\n"
        f"nb = nbformat.read({str(chapter)!r}, as_version=4)\n"
        "NotebookClient(nb, timeout=600, kernel_name='python3').execute()\n"
        "text = ''.join(o.get('text', '') for c in nb.cells if c.cell_type == 'code' for o in c.outputs)\n"
        "print(text)\n"
    )
    done = subprocess.run([str(fresh_venv), "-c", script], capture_output=True, text=True, env=clean_env(tmp_path / "cache"),
                          cwd=tmp_path, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "profile: full" in done.stdout
    assert "epoch 1/25" not in done.stdout  # nothing was trained: the stored results were found
