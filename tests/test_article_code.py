"""Each error of the article's decay code, proven by running it next to lrlib's schedules."""

import math

import numpy as np
import pytest

from lrlib import article_code as article
from lrlib import schedules as S


def test_linear_decay_depends_on_calls_not_on_epochs():
    linear = article.make_linear_decay(0.001)
    assert linear(0) != linear(0)  # the same epoch twice, two rates
    first_run = article.rates_over(linear, 5)
    second_run = article.rates_over(linear, 5)  # a second training run in the same session
    assert second_run[0] < first_run[-1]  # it starts where the first one ended
    pure = S.linear_decay(0.001, 0.0, decay_epochs=100, steps_per_epoch=1)
    assert list(pure.values(range(5))) == list(pure.values(range(5)))


def test_linear_decay_resumed_run_gets_other_rates():
    uninterrupted = article.rates_over(article.make_linear_decay(0.001), 10)
    resumed_after_restart = article.rates_over(article.make_linear_decay(0.001), 10, start_epoch=5)
    assert resumed_after_restart != uninterrupted[5:]
    assert resumed_after_restart[0] == pytest.approx(uninterrupted[0])  # starts over from the top


def test_step_decay_drops_one_epoch_early():
    rates = [article.step_decay(epoch, 1.0) for epoch in range(31)]
    first_drop = next(epoch for epoch, rate in enumerate(rates) if rate < 1.0)
    assert first_drop == 14  # Keras's 15th epoch, one before 15 epochs have passed
    pure = S.step_decay(1.0, 0.5, epochs_per_drop=15, steps_per_epoch=1).values(np.arange(31))
    assert int(np.argmax(pure < 1.0)) == 15


def test_stated_drop_sequence_is_not_what_halving_gives():
    halving = [article.step_decay(epoch, 1.0) for epoch in (14, 29, 44)]
    assert halving == [0.5, 0.25, 0.125]
    assert list(article.ARTICLE_STATED_DROPS) != halving
    assert article.ARTICLE_STATED_DROPS[1] == pytest.approx(halving[1] / 10)  # a slipped digit


def test_time_decay_barely_changes_the_rate_in_25_epochs():
    rates = article.rates_over(article.make_time_decay(0.001), 25)
    change = 1 - rates[-1] / 0.001
    assert 0 < change < 0.001  # under 0.1 %: in effect a fixed rate
    assert change == pytest.approx(1 - np.prod([1 / (1 + 1.5e-6 * e) for e in range(25)]))


def test_time_decay_compounds_and_depends_on_calls():
    time = article.make_time_decay(0.1, decay=0.1)
    assert time(3) != time(3)
    compounded = article.rates_over(article.make_time_decay(0.1, decay=0.1), 4)
    inverse_time = list(S.time_decay(0.1, 0.1, steps_per_epoch=1).values(range(4)))
    assert compounded[-1] < inverse_time[-1]  # a product of factors, not 1 / (1 + k t)
    assert compounded[-1] == pytest.approx(0.1 / math.prod(1 + 0.1 * e for e in range(4)))
