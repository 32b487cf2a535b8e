"""A fresh virtual environment that has the course's dependencies but not lrlib, as a learner's
Colab runtime has TensorFlow and friends but not lrlib."""

import os
import site
import subprocess
import sys
from pathlib import Path


def venv_without_lrlib(folder: Path) -> Path:
    """Create a virtual environment in ``folder``; return its Python. TensorFlow and the rest come
    from this environment's site-packages through a .pth file; a plain path in a .pth does not
    run the editable-install hook of the source tree, so lrlib itself cannot be imported there."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    python = folder / "bin" / "python"
    site_dir = Path(subprocess.check_output([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                            text=True).strip())
    (site_dir / "course_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return python


def learner_env(cache: Path, **settings: str) -> dict[str, str]:
    """The environment of a learner's fresh runtime: none of lrlib's settings, an empty cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LRLIB_") and k != "PYTHONPATH"}
    return {**env, "TF_CPP_MIN_LOG_LEVEL": "2", "XDG_CACHE_HOME": str(cache), **settings}
