"""runner/warehouse/lock.py: the poll loop every wait uses, and the lock's exit code."""

import itertools

import pytest

from runner.config.errors import FAILED_EXIT_CODE
from runner.warehouse import lock


def test_poll_returns_at_once_when_the_first_attempt_succeeds_and_never_announces():
    announced = []
    assert lock.poll(lambda: True, timeout=0, on_first_wait=lambda: announced.append(1))
    assert announced == []


def test_poll_announces_once_and_succeeds_when_an_attempt_does():
    attempts, announced = itertools.count(), []
    assert lock.poll(lambda: next(attempts) == 3, timeout=60, on_first_wait=lambda: announced.append(1), interval=0)
    assert announced == [1]


def test_poll_gives_up_after_its_timeout():
    assert not lock.poll(lambda: False, timeout=0, interval=0)


def test_a_held_lock_times_out_with_exit_code_1_and_names_its_holder(tmp_path):
    path = tmp_path / "warehouse.lock"
    with lock.hold(path, 1, "dango sync demo"), pytest.raises(lock.LockTimeout) as raised, lock.hold(path, 0, "other"):
        pass
    assert raised.value.exit_code == FAILED_EXIT_CODE
    assert "(dango sync demo)" in str(raised.value) and "raise --lock-timeout" in str(raised.value)
