"""One profile rule everywhere: ``use_profile`` switches what every part of lrlib reads."""

import os
import re

import pytest

import lrlib
from lrlib import Experiment, default_profile, scenario, use_profile


@pytest.fixture(autouse=True)
def restored_profile(monkeypatch):
    # setenv first, so that monkeypatch puts back whatever was there (or nothing) after the test,
    # whatever use_profile wrote in between.
    monkeypatch.setenv("LRLIB_PROFILE", "full")


def test_use_profile_returns_the_name_and_every_reader_follows_it():
    assert use_profile("quick") == "quick"
    assert os.environ["LRLIB_PROFILE"] == "quick"  # what worker processes inherit
    assert default_profile() == "quick"
    assert Experiment().profile == "quick"
    assert scenario("fixed-lr", "baseline").experiment.profile == "quick"  # what the checks run
    assert use_profile("full") == "full" and Experiment().effective_epochs == 25


def test_use_profile_is_exported_with_its_one_argument():
    assert lrlib.use_profile is use_profile and "use_profile" in lrlib.__all__


@pytest.mark.parametrize("name", ["Quick", "", None, ["quick"]])
def test_use_profile_refuses_an_unknown_name_and_changes_nothing(name):
    with pytest.raises(ValueError, match=r"Argument `name` must be one of .*Received: name=" + re.escape(repr(name))):
        use_profile(name)
    assert default_profile() == "full"
