"""Minimal reproduction, for an upstream report: ``keras.optimizers.ScheduleFreeAdamW`` (Keras
3.15, TensorFlow backend) does not compute the step of Defazio et al. (2024) /
``schedulefree.AdamWScheduleFree``.

Needs only keras, tensorflow and numpy:  python reference/keras_schedule_free_repro.py

Cause: ``update_step`` stores ``momentum_old = momentum.value`` and then calls
``self.assign_sub(momentum, grad_scaled)``. On the TensorFlow backend ``momentum.value`` is the
``tf.Variable`` itself, not a snapshot, so ``x_old = (y_old - (1 - beta_1) * momentum_old) /
beta_1`` is computed with the *updated* z. The first step is right (its averaging weight is 1);
from the second on the update reduces to ``y = (1 - c_t) * y + c_t * z`` (c_t = 1/t): the model's
weights are the running average of the z sequence and every gradient is taken at that average,
i.e. the reference's step with beta_1 = 1 ("primal averaging") whatever beta_1 is given, not the
interpolation y = (1 - beta_1) z + beta_1 x of the method. Reading the old value as a copy
(``momentum_old = ops.copy(momentum)``; note that ``ops.convert_to_tensor(momentum)`` aliases as
well) fixes it. Separately, the optimizer has no evaluation mode: models are evaluated at y,
while the method (and the reference's ``optimizer.eval()``) evaluates at x.

The script runs Keras's optimizer on f(w) = 0.5 * w^2 (one weight, w0 = 1), and the reference's
update written out in NumPy (the same equations as ``schedulefree.AdamWScheduleFree.step``,
no warm-up, no weight decay), and prints both. It also shows the alias directly.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import ops  # noqa: E402

LR, BETA_1, BETA_2, EPS, STEPS = 0.001, 0.9, 0.999, 1e-8, 1000
SHOWN = (1, 2, 3, 10, 100, 300, 1000)


def reference(steps: int) -> list[float]:
    """schedulefree.AdamWScheduleFree's update on f(w) = w^2 / 2, in float64 NumPy."""
    y = z = 1.0
    v = 0.0
    path = []
    for k in range(steps):
        g = y  # the gradient of w^2 / 2 at the training point y
        v = BETA_2 * v + (1 - BETA_2) * g * g
        u = g / (np.sqrt(v / (1 - BETA_2 ** (k + 1))) + EPS)
        c = 1.0 / (k + 1)  # weight / weight_sum with a constant rate
        y = y + c * (z - y) + LR * (BETA_1 * (1 - c) - 1) * u
        z = z - LR * u
        path.append(y)
    return path


def keras_path(steps: int) -> list[float]:
    w = keras.Variable(np.array([1.0]), dtype="float64")
    optimizer = keras.optimizers.ScheduleFreeAdamW(learning_rate=LR, beta_1=BETA_1, beta_2=BETA_2, epsilon=EPS)
    path = []
    for _ in range(steps):
        optimizer.apply([ops.convert_to_numpy(w)], [w])  # the gradient of w^2 / 2 is w
        path.append(float(ops.convert_to_numpy(w)[0]))
    return path


def show_alias() -> None:
    z = keras.Variable(np.array([1.0]), dtype="float64")
    old, copied = z.value, ops.copy(z)
    z.assign_sub(np.array([0.5]))
    print(f"after z -= 0.5: 'old' read via z.value = {float(ops.convert_to_numpy(old)[0])}, "
          f"via ops.copy(z) = {float(ops.convert_to_numpy(copied)[0])} (z was 1.0)")


if __name__ == "__main__":
    print(f"keras {keras.__version__}, backend {keras.backend.backend()}")
    print("step  reference y        keras y            difference")
    for step, (r, k) in enumerate(zip(reference(STEPS), keras_path(STEPS)), start=1):
        if step in SHOWN:
            print(f"{step:4d}  {r: .12f}  {k: .12f}  {k - r: .3e}   moved: reference {1 - r:.4f}, keras {1 - k:.4f}")
    show_alias()
