"""Assertions shared by the tests of lrlib.checks."""


def assert_right(check, answer):
    feedback = check(answer)
    assert feedback.passed, repr(feedback)
    assert repr(feedback) == f"Right! ({check.exercise})"


def assert_hint(check, answer, hint):
    feedback = check(answer)
    assert not feedback.passed and hint in repr(feedback), repr(feedback)
