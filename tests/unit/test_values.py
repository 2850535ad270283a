from __future__ import annotations

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.values import PropertyType as T
from stagecoach.domain.values import ms_to_iso, to_stored, to_wire


def test_datetimes_accept_iso_and_epoch_ms_and_answer_iso_ms_utc() -> None:
    ms = to_stored("d", T.DATETIME, "2024-09-11T13:27:39.356Z")
    assert ms == to_stored("d", T.DATETIME, str(ms))
    assert to_wire(T.DATETIME, ms) == "2024-09-11T13:27:39.356Z"
    assert to_stored("d", T.DATETIME, "2024-09-11T15:27:39.356+02:00") == ms


def test_dates_are_midnight_utc() -> None:
    ms = to_stored("d", T.DATE, "2024-09-11")
    assert to_wire(T.DATE, ms) == "2024-09-11"
    assert ms_to_iso(ms) == "2024-09-11T00:00:00.000Z"


def test_numbers_keep_their_value_and_print_without_trailing_zero() -> None:
    assert to_stored("n", T.NUMBER, "12") == 12
    assert to_wire(T.NUMBER, to_stored("n", T.NUMBER, "12.50")) == "12.5"


@pytest.mark.parametrize(("ptype", "raw"), [
    (T.NUMBER, "twelve"), (T.NUMBER, "nan"), (T.DATETIME, "yesterday"), (T.DATE, "2024-13-01"),
    (T.BOOL, "maybe"),
])
def test_invalid_values_are_validation_errors(ptype: T, raw: str) -> None:
    with pytest.raises(ValidationError):
        to_stored("p", ptype, raw)


def test_booleans_are_case_insensitive() -> None:
    assert to_stored("b", T.BOOL, "True") == "true"
    assert to_stored("b", T.BOOL, "FALSE") == "false"
