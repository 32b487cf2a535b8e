"""Keep TensorFlow's native start-up chatter out of notebooks and pages."""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def native_stderr_silenced():
    """Send file descriptor 2 to /dev/null for the duration.

    TensorFlow's C++ logging (oneDNN notices, CUDA probes on machines without a GPU) writes
    straight to the descriptor, past ``sys.stderr``; Jupyter kernels forward it into cell
    outputs, and ``TF_CPP_MIN_LOG_LEVEL`` no longer stops all of it. Python exceptions are
    unaffected: they travel as exceptions, not through the descriptor.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and probe its devices once, with the native chatter silenced."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()
    # Each run builds a new model, so tf.function "retracing" warnings are expected, not advice.
    tf.get_logger().setLevel("ERROR")
