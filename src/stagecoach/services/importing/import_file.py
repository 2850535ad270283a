"""Reading an import file as a stream of rows, with bounded memory whatever its size.

Encodings **[decision]**: UTF-8 (with or without a byte-order mark) and UTF-16 with a
byte-order mark are read; anything else is refused with a clear error rather than guessed
(a wrong guess would import garbled names without anyone noticing). The delimiter is the
comma, or the semicolon or tab when the header has no comma. A whole pass over the file
(`check`) finds every structural problem before a single row is written, so a malformed
file fails cleanly instead of stopping halfway.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO

from stagecoach.domain.errors import ValidationError
from stagecoach.domain.imports import MAX_COLUMNS, MAX_ROWS

MAX_LINE_CHARS = 1_000_000   # one physical line
MAX_FIELD_CHARS = 1_000_000  # one cell, quoted line breaks included
csv.field_size_limit(MAX_FIELD_CHARS)


class ImportFileError(ValidationError):
    pass


@dataclass(frozen=True)
class FileCheck:
    encoding: str
    delimiter: str
    header: list[str]
    rows: int
    sha256: str
    size: int


def _fail(message: str, code: str = "INVALID_FILE", **context: object) -> ImportFileError:
    return ImportFileError(message, code=code, **context)


def detect_encoding(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    # UTF-32's little-endian mark begins with UTF-16's: test it first.
    if head[:4] in (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE):
        raise _fail("The file is UTF-32; save it as UTF-8 (CSV UTF-8) and import it again",
                    "UNSUPPORTED_ENCODING")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


def _scan_bytes(path: Path, encoding: str) -> str:
    """The file's SHA-256, refusing lines longer than MAX_LINE_CHARS bytes and NUL bytes in a
    UTF-8 file, in one pass of C-speed block operations (so the CSV reader, which reads a
    whole line at a time, never meets an unbounded line)."""
    digest = hashlib.sha256()
    run = 0      # bytes since the last line break
    lines = 0    # line breaks seen so far
    nul_ok = encoding == "utf-16"
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            if not nul_ok and b"\x00" in block:
                at = lines + block.count(b"\n", 0, block.index(b"\x00")) + 1
                raise _fail(f"Line {at} contains NUL bytes: the file is binary or UTF-16 "
                            "without a byte-order mark; save it as UTF-8 (CSV UTF-8)",
                            "UNSUPPORTED_ENCODING", line=at)
            first = block.find(b"\n")
            if first < 0:
                run += len(block)
            else:
                run += first
            if run > MAX_LINE_CHARS:
                raise _fail(f"Line {lines + 1} is longer than {MAX_LINE_CHARS:,} characters",
                            "LINE_TOO_LONG", line=lines + 1)
            if first >= 0:
                lines += block.count(b"\n")
                run = len(block) - block.rfind(b"\n") - 1
    return digest.hexdigest()


def _delimiter(first_line: str) -> str:
    if "," in first_line:
        return ","
    for d in (";", "\t"):
        if d in first_line:
            return d
    return ","


def _reader(f: IO[str], delimiter: str) -> Iterator[list[str]]:
    return csv.reader(f, delimiter=delimiter, strict=True)


def _open(path: Path, encoding: str) -> IO[str]:
    return path.open("r", encoding=encoding, errors="strict", newline="")


def header(path: Path) -> list[str]:
    """The header row alone, read with the same rules as `check` (quick feedback)."""
    if path.stat().st_size == 0:
        raise _fail("The file is empty", "EMPTY_FILE")
    encoding = detect_encoding(path)
    try:
        with _open(path, encoding) as f:
            delimiter = _delimiter(f.readline(MAX_LINE_CHARS + 1))
            f.seek(0)
            line = f.readline(MAX_LINE_CHARS + 1)
            if len(line) > MAX_LINE_CHARS:
                raise _fail(f"The header line is longer than {MAX_LINE_CHARS:,} characters",
                            "LINE_TOO_LONG")
            if "\x00" in line:
                raise _fail("The header contains NUL bytes: the file is binary or UTF-16 "
                            "without a byte-order mark; save it as UTF-8 (CSV UTF-8)",
                            "UNSUPPORTED_ENCODING")
            f.seek(0)
            first = next(_reader(f, delimiter), None)
    except UnicodeDecodeError as exc:
        raise _fail(f"The file is not valid {_name(encoding)}; save it as UTF-8 (CSV UTF-8) "
                    "and import it again", "UNSUPPORTED_ENCODING") from exc
    except csv.Error as exc:
        raise _fail(f"The header row is not valid CSV: {exc}", "MALFORMED_CSV") from exc
    if first is None or not any(h.strip() for h in first):
        raise _fail("The file has no header row", "NO_HEADER")
    if len(first) > MAX_COLUMNS:
        raise _fail(f"The file has {len(first):,} columns; at most {MAX_COLUMNS:,} can be "
                    "imported", "TOO_MANY_COLUMNS", columns=len(first))
    return first


def _name(encoding: str) -> str:
    return encoding.upper().replace("-SIG", "")


def check(path: Path) -> FileCheck:
    """One streaming pass: encoding, CSV structure, limits, row count and checksum."""
    size = path.stat().st_size
    if size == 0:
        raise _fail("The file is empty", "EMPTY_FILE")
    encoding = detect_encoding(path)
    sha256 = _scan_bytes(path, encoding)
    rows = 0
    try:
        with _open(path, encoding) as f:
            first = f.readline(MAX_LINE_CHARS + 1)
            delimiter = _delimiter(first)
            f.seek(0)
            reader = _reader(f, delimiter)
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise _fail("The file has no header row", "NO_HEADER")
            if len(header) > MAX_COLUMNS:
                raise _fail(f"The file has {len(header):,} columns; at most {MAX_COLUMNS:,} "
                            "can be imported", "TOO_MANY_COLUMNS", columns=len(header))
            for _ in reader:
                rows += 1
                if rows > MAX_ROWS:
                    raise _fail(f"The file has more than {MAX_ROWS:,} rows; split it into "
                                "several files", "TOO_MANY_ROWS")
    except UnicodeDecodeError as exc:
        raise _fail(f"The file is not valid {_name(encoding)} (an "
                    f"undecodable byte after data row {rows}); save it as UTF-8 (CSV UTF-8) "
                    "and import it again", "UNSUPPORTED_ENCODING", row=rows) from exc
    except csv.Error as exc:
        raise _fail(f"The file is not valid CSV after data row {rows}: {exc}",
                    "MALFORMED_CSV", row=rows) from exc
    return FileCheck(encoding, delimiter, header, rows, sha256, size)


def rows(path: Path, checked: FileCheck, skip: int) -> Iterator[tuple[int, list[str]]]:
    """(data row number from 1, cells) after the first `skip` data rows."""
    with _open(path, checked.encoding) as f:
        reader = _reader(f, checked.delimiter)
        next(reader, None)
        for _ in islice(reader, skip):
            pass
        yield from enumerate(reader, start=skip + 1)


def preview(path: Path, count: int) -> list[list[str]]:
    """The first `count` data rows, read with the same encoding and delimiter as `check`
    (for showing a file before its import starts; `header` has already vetted the file)."""
    encoding = detect_encoding(path)
    try:
        with _open(path, encoding) as f:
            delimiter = _delimiter(f.readline(MAX_LINE_CHARS + 1))
            f.seek(0)
            reader = _reader(f, delimiter)
            next(reader, None)
            return list(islice(reader, count))
    except (UnicodeDecodeError, csv.Error):
        return []  # the import's full check reports the exact row
