"""Bad import input gets a clear error or a clean result: never a crash, never a
half-written row."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.imports import MAX_ROWS
from stagecoach.store.importing.imports import State
from tests.helpers import Acct
from tests.integration.imports_helpers import by_email, error_rows, run_import, start, write


def contact_count(acct: Acct) -> int:
    from sqlalchemy import func, select

    from stagecoach.store.schema import records
    with acct.ctx_readonly() as ctx:
        return int(ctx.conn.execute(select(func.count()).where(
            records.c.account_id == acct.id, records.c.object_type == 1)).scalar_one())


def assert_failed_cleanly(acct: Acct, path: Path, code_words: str) -> None:
    """Refused at once (a bad header) or FAILED by the full check, with nothing written."""
    try:
        imp = run_import(acct, path)
    except ValidationError as exc:
        assert code_words in exc.message
    else:
        assert imp.state is State.FAILED
        assert imp.failure and code_words in imp.failure
        assert imp.created == imp.updated == imp.next_row == 0
    assert contact_count(acct) == 0


def test_empty_file_is_refused(acct: Acct, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        start(acct, write(tmp_path / "e.csv", b""))
    assert err.value.code == "EMPTY_FILE"


def test_header_only_file_is_a_clean_empty_import(acct: Acct, tmp_path: Path) -> None:
    imp = run_import(acct, write(tmp_path / "h.csv", "email,firstname\n"))
    assert imp.state is State.DONE and imp.total_rows == 0 and imp.created == 0


def test_unterminated_quote_fails_before_anything_is_written(acct: Acct,
                                                             tmp_path: Path) -> None:
    f = write(tmp_path / "q.csv", 'email,firstname\na@example.test,Ann\nb@example.test,"Bo\n')
    assert_failed_cleanly(acct, f, "not valid CSV")


def test_text_after_a_closing_quote_is_malformed_csv(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "q.csv", 'email,firstname\na@example.test,"Ann"x\n')
    assert_failed_cleanly(acct, f, "not valid CSV")


def test_windows_1252_file_is_refused_with_a_clear_error(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "w.csv", "email,firstname\na@example.test,José\n".encode("cp1252"))
    assert_failed_cleanly(acct, f, "not valid UTF-8")


def test_utf16_without_byte_order_mark_is_refused(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "u.csv", "email,firstname\na@example.test,Ann\n".encode("utf-16-le"))
    with pytest.raises(ValidationError) as err:
        start(acct, f)
    assert err.value.code == "UNSUPPORTED_ENCODING"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_utf8_bom_and_utf16_files_are_read(acct: Acct, tmp_path: Path, encoding: str) -> None:
    f = write(tmp_path / "b.csv", "email,firstname\nbom@example.test,Zoë\n".encode(encoding))
    imp = run_import(acct, f)
    assert (imp.state, imp.created) == (State.DONE, 1)
    assert by_email(acct, "bom@example.test")["bom@example.test"].values["firstname"] == "Zoë"


def test_semicolon_separated_file_is_read(acct: Acct, tmp_path: Path) -> None:
    imp = run_import(acct, write(tmp_path / "s.csv", "email;lifecyclestage\ns@example.test;Lead\n"))
    assert imp.created == 1


def test_huge_line_fails_cleanly(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "l.csv", "email,firstname\na@example.test,Ann\nb@example.test,"
              + "x" * 2_500_000 + "\n")
    assert_failed_cleanly(acct, f, "longer than")


def test_huge_quoted_field_spanning_lines_fails_cleanly(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "l.csv", 'email,firstname\nb@example.test,"'
              + ("y" * 1000 + "\n") * 1500 + '"\n')
    assert_failed_cleanly(acct, f, "not valid CSV")


def test_unknown_columns_are_refused_by_name(acct: Acct, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        start(acct, write(tmp_path / "u.csv", "email,shoe size,favourite colour\na@x.test,4,5\n"))
    assert "shoe size" in err.value.message and "favourite colour" in err.value.message


@pytest.mark.large
def test_twenty_thousand_columns_are_refused(acct: Acct, tmp_path: Path) -> None:
    header = ",".join(f"c{i}" for i in range(20_000))
    with pytest.raises(ValidationError) as err:
        start(acct, write(tmp_path / "wide.csv", header + "\n" + "," * 19_999 + "\n"))
    assert err.value.code == "TOO_MANY_COLUMNS"
    assert "20,000" in err.value.message


def test_rows_with_the_wrong_number_of_columns_are_error_rows(acct: Acct,
                                                              tmp_path: Path) -> None:
    f = write(tmp_path / "n.csv", "email,firstname\na@example.test,Ann,extra\nb@example.test\n"
                                  "c@example.test,Cy\n")
    imp = run_import(acct, f)
    assert (imp.created, imp.errors) == (1, 2)
    assert {e.error_type for e in error_rows(acct, imp.id)} == {"INCORRECT_NUMBER_OF_COLUMNS"}


@pytest.mark.large
def test_a_file_of_1048576_rows_imports_cleanly(acct: Acct, tmp_path: Path) -> None:
    f = tmp_path / "big.csv"
    with f.open("w", encoding="utf-8", newline="") as out:
        out.write("email\nfirst@example.test\n")
        out.write("\n" * (MAX_ROWS - 2))
        out.write("last@example.test\n")
    imp = run_import(acct, f, chunk_rows=20_000)
    assert imp.state is State.DONE
    assert imp.total_rows == imp.next_row == MAX_ROWS
    assert (imp.created, imp.unchanged, imp.errors) == (2, MAX_ROWS - 2, 0)
    assert set(by_email(acct, "first@example.test", "last@example.test")) == {
        "first@example.test", "last@example.test"}


@pytest.mark.large
def test_a_file_over_1048576_rows_is_refused_before_any_write(acct: Acct,
                                                              tmp_path: Path) -> None:
    f = tmp_path / "too-big.csv"
    with f.open("w", encoding="utf-8", newline="") as out:
        out.write("email\nfirst@example.test\n")
        out.write("\n" * MAX_ROWS)
    assert_failed_cleanly(acct, f, "more than 1,048,576 rows")


def test_binary_garbage_is_refused(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "g.csv", b"email\n" + bytes(range(256)) * 10)
    with pytest.raises(ValidationError):
        run_import(acct, f)
    assert contact_count(acct) == 0


def test_file_changed_before_a_resume_fails_the_import(acct: Acct, tmp_path: Path) -> None:
    from stagecoach.services.importing import imports as svc
    f = write(tmp_path / "c.csv", "email\na@example.test\nb@example.test\nc@example.test\n")
    iid = start(acct, f)
    svc_imp = _interrupt_after_first_chunk(acct, iid)
    assert svc_imp.next_row == 1
    write(f, "email\na@example.test\nz@example.test\nc@example.test\n")
    done = svc.run(acct.sc.engine, acct.id, iid, acct.tick)
    assert done.state is State.FAILED and "changed" in (done.failure or "")
    assert set(by_email(acct, "a@example.test", "z@example.test")) == {"a@example.test"}


def _interrupt_after_first_chunk(acct: Acct, iid: int):  # type: ignore[no-untyped-def]
    from stagecoach.services.importing import imports as svc

    class Stop(Exception):
        pass

    def stop(_: object) -> None:
        raise Stop

    with pytest.raises(Stop):
        svc.run(acct.sc.engine, acct.id, iid, acct.tick, chunk_rows=1, on_progress=stop)
    with acct.ctx_readonly() as ctx:
        return svc.get(ctx, iid)


def test_codecs_bom_detection_covers_utf32(acct: Acct, tmp_path: Path) -> None:
    f = write(tmp_path / "u32.csv", codecs.BOM_UTF32_LE + "email\n".encode("utf-32-le"))
    with pytest.raises(ValidationError) as err:
        start(acct, f)
    assert err.value.code == "UNSUPPORTED_ENCODING"
