from __future__ import annotations

import pytest

from stagecoach.domain.csv_cells import safe_cell, safe_row


@pytest.mark.parametrize(("cell", "written"), [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("-5", "-5"),
    ("+3.25", "+3.25"),
    ("Ada", "Ada"),
    ("", ""),
    (12, 12),
    (None, None),
])
def test_formula_cells_are_written_as_text_and_numbers_stay(cell: object, written: object
                                                             ) -> None:
    assert safe_cell(cell) == written


def test_a_row_is_made_safe_cell_by_cell() -> None:
    assert safe_row(["=1", 2, "x"]) == ["'=1", 2, "x"]
