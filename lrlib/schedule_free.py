"""Schedule-free AdamW (Defazio et al. 2024, "The Road Less Scheduled"), faithful to the authors'
``schedulefree.AdamWScheduleFree``, and the evaluation weights it needs in Keras.

The method keeps three sequences: z, where the gradient steps go (an AdamW without momentum);
x, a weighted average of the z's, which is the model to evaluate; and y, the point between them
(y = (1 - beta_1) z + beta_1 x) at which the gradients are taken. The model's variables hold y
while training; the optimizer keeps z (its ``z`` slots), and x follows from the two:
x = (y - (1 - beta_1) z) / beta_1. One step, with c = w_k / (w_1 + ... + w_k) and
w_k = k^r * lr_max^weight_lr_power (lr_max: the largest rate so far, warm-up included), is the
reference's:

    v = beta_2 v + (1 - beta_2) g^2,       u = g / (sqrt(v / (1 - beta_2^k)) + eps)  (+ weight_decay * y)
    y = lerp(y, z, c) + lr * (beta_1 (1 - c) - 1) * u
    z = z - lr * u

``tests/test_schedule_free.py`` compares each step with values of the reference code
(``reference/schedule_free_reference.py``).

Keras 3.15's ``keras.optimizers.ScheduleFreeAdamW`` differs in two ways (``reference/
keras_schedule_free_repro.py`` shows both on a one-variable problem):

- On the TensorFlow backend its step reads ``momentum_old = momentum.value`` before
  ``assign_sub(momentum, ...)``: ``.value`` is the ``tf.Variable`` itself, not a copy, so the
  "old" z it uses to recover x is the new one (eagerly and in a traced train step alike;
  ``ops.convert_to_tensor(momentum)`` aliases too, ``ops.copy(momentum)`` does not). Its
  update then reduces to y = (1 - c) y + c z: the weights are the running average x of the z
  sequence itself, and every gradient is taken at that average. Whatever its ``beta_1``, it
  computes the reference's step with beta_1 = 1 ("primal averaging"), not the interpolation
  the method takes its gradients at (the test shows it to 1e-9).
- It has no evaluation mode: the model is evaluated at y (Keras's maintainers: "optimizers are
  not used during eval"), not at x as the method prescribes. Its weight decay is Keras's
  (applied to y alone, before the step), and its warm-up leaves the averaging weights uniform.

lrlib's ``ScheduleFreeAdamW`` follows the reference, and ``ScheduleFreeEvaluation`` (a Keras
callback) puts the model at x whenever it is evaluated: for the validation at the end of each
epoch, for whatever ``on_epoch_end`` does (lrlib's per-epoch test score, EarlyStopping's best
weights), and after training (the final test score, a saved model); back at y when the next
epoch starts, as the reference's ``optimizer.eval()`` and ``optimizer.train()`` do.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops


def _constant(value: float, dtype: str):
    """``value`` as a tensor of ``dtype`` (``ops.cast`` would round a Python float to float32 first)."""
    return ops.convert_to_tensor(np.asarray(value, dtype=dtype))


@keras.saving.register_keras_serializable(package="lrlib")
class ScheduleFreeAdamW(keras.optimizers.Optimizer):
    """Schedule-free AdamW as the authors' ``schedulefree.AdamWScheduleFree`` (1.4.1) computes it
    (see the module's docstring); evaluate the model through ``eval_mode``/``train_mode`` or the
    ``ScheduleFreeEvaluation`` callback.

    Args:
        learning_rate: the rate of the z steps (the reference's default, 0.0025).
        beta_1: interpolation between z and x for the gradient point (0.9), in (0, 1]; 1 takes
            the gradients at x itself (primal averaging).
        beta_2, epsilon: Adam's second-moment decay (0.999) and denominator term (1e-8).
        weight_decay: added to the normalised gradient times y (the reference's; 0: none).
        warmup_steps: the rate rises linearly over these steps, (k + 1) / warmup_steps (0: none).
        r, weight_lr_power: the averaging weight of step k is k^r * lr_max^weight_lr_power
            (0 and 2, the reference's defaults).
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=0.0,
                 warmup_steps=0, r=0.0, weight_lr_power=2.0, name=None, **kwargs):
        kwargs.pop("weight_decay", None)
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=None, **kwargs)
        if not 0.0 < beta_1 <= 1.0 or not 0.0 <= beta_2 < 1.0:  # x = (y - (1 - beta_1) z) / beta_1
            raise ValueError(f"Arguments `beta_1` and `beta_2` must be in (0, 1] and [0, 1). "
                             f"Received: beta_1={beta_1!r}, beta_2={beta_2!r}")
        if int(warmup_steps) != warmup_steps or warmup_steps < 0:
            raise ValueError(f"Argument `warmup_steps` must be an integer >= 0. Received: warmup_steps={warmup_steps!r}")
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.weight_decay = weight_decay  # the reference's; _apply_weight_decay leaves it to the step
        self.warmup_steps, self.r, self.weight_lr_power = int(warmup_steps), r, weight_lr_power
        self.training_weights = True  # whether the variables hold y (True) or x (after eval_mode)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        scalar = dict(shape=(), dtype="float64")
        self._lr_max = self.add_variable(name="lr_max", **scalar)
        self._lr_max.assign(np.float64(-1.0))  # the reference's start: any rate is larger
        self._weight_sum = self.add_variable(name="weight_sum", **scalar)
        # z is copied from the weights at the first step (not here), so that the optimizer's state
        # before training does not depend on the weights (lrlib's shared compiled models).
        self._z = [self.add_variable_from_reference(variable, "z") for variable in var_list]
        self._exp_avg_sqs = [self.add_variable_from_reference(variable, "exp_avg_sq") for variable in var_list]

    def _apply_weight_decay(self, variables):
        """Nothing: the decay is the reference's, inside ``_backend_update_step``."""

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError("ScheduleFreeAdamW updates all variables at once, in _backend_update_step.")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        f64 = "float64"
        k = ops.cast(self.iterations, f64)
        lr = ops.cast(learning_rate, f64)
        if self.warmup_steps > 0:
            lr = lr * ops.where(k < self.warmup_steps, (k + 1.0) / self.warmup_steps, _constant(1.0, f64))
        bias_correction_2 = 1.0 - ops.power(_constant(self.beta_2, f64), k + 1.0)
        lr_max = ops.maximum(lr, self._lr_max.value)
        weight = ops.power(k + 1.0, _constant(self.r, f64)) * ops.power(lr_max, _constant(self.weight_lr_power, f64))
        weight_sum = self._weight_sum.value + weight
        c = ops.where(weight_sum > 0, weight / ops.where(weight_sum > 0, weight_sum, 1.0), _constant(0.0, f64))
        self.assign(self._lr_max, lr_max)
        self.assign(self._weight_sum, weight_sum)
        y_step = lr * (self.beta_1 * (1.0 - c) - 1.0)
        first_step = ops.equal(self.iterations, 0)
        for gradient, variable in zip(grads, trainable_variables):
            index = self._get_variable_index(variable)
            dtype = variable.dtype
            g = ops.cast(gradient, dtype)
            z, exp_avg_sq = self._z[index], self._exp_avg_sqs[index]
            self.assign(z, ops.where(first_step, ops.convert_to_tensor(variable), z))
            self.assign(exp_avg_sq, exp_avg_sq * _constant(self.beta_2, dtype)
                        + _constant(1.0 - self.beta_2, dtype) * (g * g))
            denominator = ops.sqrt(exp_avg_sq / ops.cast(bias_correction_2, dtype)) + _constant(self.epsilon, dtype)
            normalised = g / denominator
            y = ops.copy(variable)  # snapshots: ops.convert_to_tensor may hand back the variable itself
            if self.weight_decay:
                normalised = normalised + _constant(self.weight_decay, dtype) * y
            z_now = ops.copy(z)
            self.assign(variable, _lerp(y, z_now, ops.cast(c, dtype)) + ops.cast(y_step, dtype) * normalised)
            self.assign(z, z_now - ops.cast(lr, dtype) * normalised)

    # --- the evaluation weights --------------------------------------------------------------

    def evaluation_weights(self, variables) -> list:
        """x for each of ``variables`` (held at y), as tensors, leaving the variables as they are."""
        if self.built and int(ops.convert_to_numpy(self.iterations)) > 0:
            return [_lerp(ops.convert_to_tensor(v), ops.convert_to_tensor(self._z[self._get_variable_index(v)]),
                          _constant(1.0 - 1.0 / self.beta_1, v.dtype)) for v in variables]
        return [ops.convert_to_tensor(v) for v in variables]

    def eval_mode(self, variables) -> None:
        """Put ``variables`` (those the optimizer was built for) at x, the weights to evaluate:
        x = lerp(y, z, 1 - 1/beta_1), as the reference's ``optimizer.eval()``. Nothing changes
        before the first step (x = y = z = the initial weights) or when already at x."""
        self._swap(variables, to_training=False)

    def train_mode(self, variables) -> None:
        """Put ``variables`` back at y, where the next gradient is taken: y = lerp(x, z, 1 - beta_1),
        as the reference's ``optimizer.train()``."""
        self._swap(variables, to_training=True)

    def _swap(self, variables, to_training: bool) -> None:
        if self.training_weights == to_training:
            return
        self.training_weights = to_training
        if not self.built or int(ops.convert_to_numpy(self.iterations)) == 0:
            return
        for variable in variables:
            z = self._z[self._get_variable_index(variable)]
            weight = (1.0 - self.beta_1) if to_training else (1.0 - 1.0 / self.beta_1)
            variable.assign(_lerp(ops.convert_to_tensor(variable), ops.convert_to_tensor(z),
                                  _constant(weight, variable.dtype)))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "weight_decay": self.weight_decay, "warmup_steps": self.warmup_steps, "r": self.r,
                       "weight_lr_power": self.weight_lr_power})
        return config


def _lerp(start, end, weight):
    """``torch.lerp`` as PyTorch computes it (start + w (end - start) for |w| < 0.5, else
    end - (1 - w)(end - start)), so that float64 steps agree with the reference to the last bits."""
    difference = end - start
    return ops.where(ops.abs(weight) < 0.5, start + weight * difference, end - difference * (1.0 - weight))


class ScheduleFreeEvaluation(keras.callbacks.Callback):
    """Evaluate a model trained with lrlib's ``ScheduleFreeAdamW`` at x, train it at y.

    Pass it to ``model.fit``: the model is put at x when validation starts (``on_test_begin``),
    stays there through ``on_epoch_end`` (so that a per-epoch test score and EarlyStopping's best
    weights are x's), goes back to y when the next epoch starts, and ends at x
    (``on_train_end``), ready for ``model.evaluate`` and saving. A no-op for other optimizers.
    """

    def _optimizer(self):
        optimizer = getattr(self.model, "optimizer", None)
        return optimizer if isinstance(optimizer, ScheduleFreeAdamW) else None

    def _to(self, training: bool) -> None:
        optimizer = self._optimizer()
        if optimizer is not None:
            (optimizer.train_mode if training else optimizer.eval_mode)(self.model.trainable_variables)

    def on_train_begin(self, logs=None):
        optimizer = self._optimizer()
        if optimizer is not None and (not optimizer.built or int(ops.convert_to_numpy(optimizer.iterations)) == 0):
            optimizer.training_weights = True  # a fresh run (or a shared model's restored state)
        self._to(training=True)

    def on_epoch_begin(self, epoch, logs=None):
        self._to(training=True)

    def on_test_begin(self, logs=None):
        self._to(training=False)

    def on_train_end(self, logs=None):
        self._to(training=False)


@keras.saving.register_keras_serializable(package="lrlib")
class KerasScheduleFreeAdamW(keras.optimizers.ScheduleFreeAdamW):
    """Keras 3.15's ``ScheduleFreeAdamW`` as shipped (its step, its evaluation at y), except that
    its z (``momentum``) is copied from the weights at the first step rather than when it is
    built, so that lrlib's shared compiled models can restore its initial state for each run."""

    def build(self, var_list):
        if self.built:
            return
        keras.optimizers.Optimizer.build(self, var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(var_list, ["momentum", "velocity"])

    def update_step(self, gradient, variable, learning_rate):
        momentum = self._momentums[self._get_variable_index(variable)]
        self.assign(momentum, ops.where(ops.equal(self.iterations, 0), ops.convert_to_tensor(variable), momentum))
        super().update_step(gradient, variable, learning_rate)
