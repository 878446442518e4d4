"""runner/report/status.py and runner/schedule.py: durations and times of day users type."""

import pytest

from runner.config.errors import DangoError
from runner.report.status import parse_age
from runner.schedule import parse_time


@pytest.mark.parametrize(
    ("text", "seconds"), [("26h", 93600), ("90m", 5400), ("2d", 172800), ("45s", 45), ("3600", 3600)]
)
def test_parse_age(text, seconds):
    assert parse_age(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "-1h", "2 weeks", "1y"])
def test_parse_age_refuses_what_is_not_a_duration(text):
    with pytest.raises(DangoError, match="is not a duration; write it like 26h"):
        parse_age(text)


def test_parse_time():
    assert parse_time("02:30") == (2, 30)
    assert parse_time("7:05") == (7, 5)


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "2:3"])
def test_parse_time_refuses_what_is_not_a_time_of_day(text):
    with pytest.raises(DangoError, match="write it as HH:MM"):
        parse_time(text)
