"""Prodigy (Mishchenko & Defazio 2023, "Prodigy: An Expeditiously Adaptive Parameter-Free
Learner") as a Keras 3 optimizer: Adam whose step size is an estimate d of the distance from the
initial weights to a solution, grown from ``d0`` as training reveals it, instead of a learning
rate.

It follows the authors' reference code (``prodigyopt.Prodigy`` 1.1.2, PyTorch) step for step,
quirks included, and ``tests/test_prodigy.py`` compares it with values that code produced
(``reference/prodigy_reference.py``). One step, with g the gradients of all variables, x0 the
initial weights, and d, dlr = d * lr * (bias correction) the values before the step:

    numerator = beta_3 * numerator + (d / d0) * dlr * <g, x0 - x>         (summed over variables)
    m = beta_1 m + d (1 - beta_1) g,    v = beta_2 v + d^2 (1 - beta_2) g^2
    s = beta_3 s + (d / d0) * dlr * g          (d / d0 * d * g with ``safeguard_warmup``)
    d_hat = d_coef * numerator / sum|s|,  d_max = max(d_max, d_hat),  d = min(d_max, d * growth_rate)
    x = x - dlr * m / (sqrt(v) + d * eps)          (with the new d in the denominator only)

beta_3 defaults to sqrt(beta_2). If every gradient is zero (sum|s| = 0), the reference leaves d,
the numerator and the weights as they are (the moments still decay); so does this one. Unlike
Keras's own optimizers, whose steps treat each variable alone, the estimate needs all variables
at once: ``_backend_update_step`` does the whole step.

The learning rate only multiplies d (the authors: leave it at 1.0); the knob to tune is
``d_coef``. Weight decay is the reference's: decoupled by default (x -= weight_decay * dlr * x,
before the step), or added to the gradient with ``decouple=False``; Keras's own decay
(``weight_decay`` times the learning rate) is not applied on top. The scalars of the estimate
(d, d_max, the numerator) are kept in float64, as the reference keeps them in Python floats.
"""

from __future__ import annotations

import math
from typing import Any

import keras
import numpy as np
from keras import ops


@keras.saving.register_keras_serializable(package="lrlib")
class Prodigy(keras.optimizers.Optimizer):
    """Adam with Prodigy's estimated step size (see the module's docstring).

    Args:
        learning_rate: multiplies the estimated step size; 1.0 as the authors advise (a float or
            a ``LearningRateSchedule``, e.g. a decay shape that peaks at 1.0).
        beta_1, beta_2: Adam's moment decay rates (0.9, 0.999); beta_1=0 keeps no first moment.
        beta_3: decay of the estimate's running sums; None (default): sqrt(beta_2).
        epsilon: added to the denominator, scaled by d (1e-8).
        weight_decay: 0 (default) or the decay per unit of step size.
        decouple: AdamW-style decoupled decay (True) or decay added to the gradient (False).
        use_bias_correction: Adam's bias correction of the step size (off, as in the reference).
        safeguard_warmup: leave the learning rate out of the estimate's denominator, for a
            warm-up schedule (off, as in the reference).
        d0: the initial estimate (1e-6).
        d_coef: multiplies the estimate (1.0): the knob the authors advise to tune (0.5 to 2).
        growth_rate: largest factor by which d may grow in one step; None: unbounded (the
            reference's ``float('inf')``).
        slice_p: estimate from every ``slice_p``-th entry of each variable only (1: all).
    """

    def __init__(self, learning_rate=1.0, beta_1=0.9, beta_2=0.999, beta_3=None, epsilon=1e-8,
                 weight_decay=0.0, decouple=True, use_bias_correction=False, safeguard_warmup=False,
                 d0=1e-6, d_coef=1.0, growth_rate=None, slice_p=1, name=None, **kwargs):
        kwargs.pop("weight_decay", None)
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=None, **kwargs)
        if not 0.0 <= beta_1 < 1.0 or not 0.0 <= beta_2 < 1.0:
            raise ValueError(f"Arguments `beta_1` and `beta_2` must be in [0, 1). "
                             f"Received: beta_1={beta_1!r}, beta_2={beta_2!r}")
        if beta_3 is not None and not 0.0 <= beta_3 < 1.0:
            raise ValueError(f"Argument `beta_3` must be None or in [0, 1). Received: beta_3={beta_3!r}")
        if not d0 > 0 or not epsilon > 0 or not d_coef > 0:
            raise ValueError(f"Arguments `d0`, `epsilon` and `d_coef` must be > 0. "
                             f"Received: d0={d0!r}, epsilon={epsilon!r}, d_coef={d_coef!r}")
        if growth_rate is not None and not growth_rate >= 1.0:
            raise ValueError(f"Argument `growth_rate` must be None or >= 1. Received: growth_rate={growth_rate!r}")
        if int(slice_p) != slice_p or slice_p < 1:
            raise ValueError(f"Argument `slice_p` must be an integer >= 1. Received: slice_p={slice_p!r}")
        self.beta_1, self.beta_2, self.beta_3, self.epsilon = beta_1, beta_2, beta_3, epsilon
        self.weight_decay = weight_decay  # Prodigy's own decay; _apply_weight_decay leaves it to the step
        self.decouple, self.use_bias_correction, self.safeguard_warmup = decouple, use_bias_correction, safeguard_warmup
        self.d0, self.d_coef, self.growth_rate, self.slice_p = d0, d_coef, growth_rate, int(slice_p)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        scalar = dict(shape=(), dtype="float64")
        self._d = self.add_variable(name="d", **scalar)
        self._d_max = self.add_variable(name="d_max", **scalar)
        for start in (self._d, self._d_max):  # d0 itself, not its float32 rounding (a Constant initializer's)
            start.assign(np.float64(self.d0))
        self._d_numerator = self.add_variable(initializer="zeros", name="d_numerator", **scalar)
        self._steps_taken = self.add_variable(initializer="zeros", name="steps_taken", **scalar)  # the reference's k
        self._exp_avgs, self._exp_avg_sqs, self._s, self._x0 = [], [], [], []
        for variable in var_list:
            sliced = (math.ceil(math.prod(variable.shape) / self.slice_p),)
            self._exp_avgs.append(self.add_variable_from_reference(variable, "exp_avg") if self.beta_1 > 0 else None)
            self._exp_avg_sqs.append(self.add_variable_from_reference(variable, "exp_avg_sq"))
            # The initial weights are copied at the first step (not here), so that the optimizer's
            # state before training does not depend on the weights (lrlib's shared compiled models).
            self._s.append(self.add_variable(sliced, dtype=variable.dtype, name="s"))
            self._x0.append(self.add_variable(sliced, dtype=variable.dtype, name="x0"))

    @property
    def d(self) -> float:
        """The current estimate of the distance to a solution (the step size before the rate)."""
        return float(ops.convert_to_numpy(self._d))

    def _sliced(self, tensor):
        flat = ops.reshape(tensor, (-1,))
        return flat if self.slice_p == 1 else flat[::self.slice_p]

    def _apply_weight_decay(self, variables):
        """Nothing: the decay is Prodigy's own, inside ``_backend_update_step``."""

    def update_step(self, gradient, variable, learning_rate):
        raise NotImplementedError("Prodigy updates all variables at once, in _backend_update_step.")

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        f64 = "float64"
        beta_1, beta_2 = self.beta_1, self.beta_2
        beta_3 = math.sqrt(beta_2) if self.beta_3 is None else self.beta_3
        k = self._steps_taken.value
        d, d_max = self._d.value, self._d_max.value
        lr = ops.cast(learning_rate, f64)
        bias_correction = (ops.sqrt(1.0 - ops.power(beta_2, k + 1.0)) / (1.0 - ops.power(beta_1, k + 1.0))
                           if self.use_bias_correction else 1.0)
        dlr = d * lr * bias_correction
        d_numerator = self._d_numerator.value * beta_3
        delta_numerator = ops.zeros((), f64)
        d_denom = ops.zeros((), f64)
        first_step = ops.equal(self.iterations, 0)
        decay = self.weight_decay or 0.0
        used = []
        for gradient, variable in zip(grads, trainable_variables):
            index = self._get_variable_index(variable)
            dtype = variable.dtype
            g = ops.cast(gradient, dtype)
            if decay != 0 and not self.decouple:
                g = g + _constant(decay, dtype) * variable
            x0 = self._x0[index]
            sliced_x = self._sliced(variable)
            self.assign(x0, ops.where(first_step, sliced_x, x0))
            sliced_g = self._sliced(g)
            dot = ops.cast(ops.sum(sliced_g * (x0 - sliced_x)), f64)
            delta_numerator = delta_numerator + (d / self.d0) * dlr * dot
            if beta_1 > 0:
                exp_avg = self._exp_avgs[index]
                self.assign(exp_avg, exp_avg * beta_1 + ops.cast(d * (1.0 - beta_1), dtype) * g)
            exp_avg_sq = self._exp_avg_sqs[index]
            self.assign(exp_avg_sq, exp_avg_sq * beta_2 + ops.cast(d * d * (1.0 - beta_2), dtype) * (g * g))
            s = self._s[index]
            weight = (d / self.d0) * (d if self.safeguard_warmup else dlr)
            self.assign(s, s * beta_3 + ops.cast(weight, dtype) * sliced_g)
            d_denom = d_denom + ops.cast(ops.sum(ops.abs(s)), f64)
            used.append((g, variable, index))

        # The reference returns here, changing nothing more, when every gradient was zero.
        active = ops.greater(d_denom, 0.0)
        global_numerator = d_numerator + delta_numerator
        d_hat = self.d_coef * global_numerator / ops.where(active, d_denom, 1.0)
        d0 = _constant(self.d0, f64)
        new_d = ops.where(ops.equal(d, d0), ops.maximum(d, d_hat), d)
        new_d_max = ops.maximum(d_max, d_hat)
        new_d = new_d_max if self.growth_rate is None else ops.minimum(new_d_max, new_d * self.growth_rate)
        new_d = ops.where(active, new_d, d)
        self.assign(self._d_max, ops.where(active, new_d_max, d_max))
        self.assign(self._d_numerator, ops.where(active, global_numerator, self._d_numerator.value))
        self.assign(self._d, new_d)
        self.assign(self._steps_taken, ops.where(active, k + 1.0, k))

        for g, variable, index in used:
            dtype = variable.dtype
            step_size = ops.cast(dlr, dtype)
            denominator = ops.sqrt(self._exp_avg_sqs[index]) + ops.cast(new_d * self.epsilon, dtype)
            updated = variable.value
            if decay != 0 and self.decouple:
                updated = updated + ops.cast(-decay * dlr, dtype) * updated
            if beta_1 > 0:
                updated = updated - step_size * (self._exp_avgs[index] / denominator)
            else:
                updated = updated - ops.cast(dlr * new_d, dtype) * (g / denominator)
            self.assign(variable, ops.where(active, updated, variable.value))

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "beta_3": self.beta_3, "epsilon": self.epsilon,
                       "weight_decay": self.weight_decay, "decouple": self.decouple,
                       "use_bias_correction": self.use_bias_correction, "safeguard_warmup": self.safeguard_warmup,
                       "d0": self.d0, "d_coef": self.d_coef, "growth_rate": self.growth_rate, "slice_p": self.slice_p})
        return config


def _constant(value: float, dtype: str):
    """``value`` as a tensor of ``dtype``: ``ops.cast`` and ``ops.equal`` would make a Python float
    float32 first (0.05 becomes 0.05000000074505806 in float64)."""
    return ops.convert_to_tensor(np.asarray(value, dtype=dtype))
