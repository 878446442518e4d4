"""runner/sync/child.py: which errors are retried, and which error a user is shown."""

import pytest
import requests

from runner.sync.child import is_transient, one_line, root_cause


class Wrapper(Exception):
    """Like dlt's PipelineStepFailed: the user's exception is its `exception`."""

    def __init__(self, inner: BaseException):
        super().__init__("step failed")
        self.exception = inner


def http_error(status: int) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    return requests.HTTPError(f"{status} error", response=response)


def test_root_cause_unwraps_dlt_wrappers_and_causes():
    inner = ValueError("bad row")
    try:
        raise RuntimeError("outer") from Wrapper(inner)
    except RuntimeError as error:
        assert root_cause(error) is inner


def test_root_cause_survives_a_cycle():
    first, second = Wrapper(ValueError()), Wrapper(ValueError())
    first.exception, second.exception = second, first
    assert root_cause(first) in (first, second)


@pytest.mark.parametrize(("status", "transient"), [(429, True), (503, True), (500, True), (404, False), (401, False)])
def test_http_errors_are_transient_by_status(status, transient):
    assert is_transient(Wrapper(http_error(status))) is transient


def test_network_errors_are_transient_and_code_bugs_are_not():
    assert is_transient(Wrapper(requests.ConnectionError("refused")))
    assert is_transient(TimeoutError())
    assert not is_transient(Wrapper(KeyError("id")))


def test_one_line_names_the_root_cause():
    assert one_line(Wrapper(ValueError("first line\nsecond"))) == "ValueError: first line"
