"""A number list's file read (steps 1 and 2 of :mod:`golive_tui.domain.number_import`):
its size checked before it is read, binary files refused, its encoding, delimiter and
header row found (:func:`sniff`), and which column holds the number, the site, the
order... proposed (:func:`guess_mapping`). The site and order imports
(:mod:`golive_tui.domain.record_import`) read their files with :func:`sniff` too.

Pure: the caller reads the file and passes its bytes or text.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

#: the largest file an import reads: 20 MB is some 500,000 numbers with a site and an
#: order each, far beyond any rollout; a bigger file is another kind of file, or a mistake
MAX_IMPORT_BYTES = 20 * 1024 * 1024

MappedField = Literal["number", "site", "order", "carrier", "btn", "assigned_to", "number_type"]


class NumberImportError(ValueError):
    """The file as a whole cannot be read, or the mapping cannot be used."""


#: what an import says of a file that is not text
NOT_CSV = "this is not a CSV file (it holds binary data); export the list as CSV or text"
#: how much of a file :func:`file_problem` reads: the sample a binary file shows in, and one
#: byte more (a character cut at the sample's end is no sign of one)
FILE_HEAD_BYTES = 8193


def file_problem(head: bytes, size: int) -> str | None:
    """Why a file of ``size`` bytes starting with ``head`` (its first
    :data:`FILE_HEAD_BYTES`) cannot be imported, said before it is read whole and while its
    name can still be corrected; None when it may be read."""
    try:
        check_import_size(size)
    except NumberImportError as exc:
        return str(exc)
    return NOT_CSV if _looks_binary(head, FILE_HEAD_BYTES - 1) else None


def check_import_size(size: int) -> None:
    """Refuse a file of ``size`` bytes that is over :data:`MAX_IMPORT_BYTES`, before it is read."""
    if size > MAX_IMPORT_BYTES:
        raise NumberImportError(
            f"this file is {size / 1_048_576:,.1f} MB; an import reads at most "
            f"{MAX_IMPORT_BYTES // 1_048_576} MB. Split it into smaller files, or check that "
            "it is the list you meant"
        )



@dataclass(frozen=True, slots=True)
class ParsedTable:
    """The records of a file. ``rows`` holds ``(line, cells)`` with 1-based line numbers,
    blank records included (as empty cells) so they can be counted.

    Without a header row, ``headers`` are ``Column 1``, ``Column 2``...
    """

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str = ","
    has_header: bool = True
    header_line: int | None = None
    encoding: str = "utf-8"

    @property
    def warnings(self) -> tuple[str, ...]:
        """What the person importing should know about how the file was read."""
        if self.encoding in ("cp1252", "latin-1"):
            return (f"the file is not UTF-8; it was read as Windows-1252 ({self.encoding}): "
                    "check accented names in the preview",)
        return ()

    def column_label(self, index: int) -> str:
        """The header of column ``index`` for messages (``Column 3`` if it has none)."""
        if 0 <= index < len(self.headers) and self.headers[index].strip():
            return self.headers[index].strip()
        return f"Column {index + 1}"


class ColumnMapping(BaseModel):
    """Which column (0-based) holds each of our fields; ``None`` = not in the file.

    ``number`` is required to import; the rest are optional.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    FIELDS: ClassVar[tuple[MappedField, ...]] = (
        "number",
        "site",
        "order",
        "carrier",
        "btn",
        "assigned_to",
        "number_type",
    )

    number: int | None = Field(default=None, ge=0)
    site: int | None = Field(default=None, ge=0)
    order: int | None = Field(default=None, ge=0)
    carrier: int | None = Field(default=None, ge=0)
    btn: int | None = Field(default=None, ge=0)
    assigned_to: int | None = Field(default=None, ge=0)
    number_type: int | None = Field(default=None, ge=0)

    @property
    def can_import(self) -> bool:
        return self.number is not None

    def column_of(self, field: MappedField) -> int | None:
        value: int | None = getattr(self, field)
        return value


# --------------------------------------------------------------------------- sniffing

_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 64_000
_SAMPLE_ROWS = 50


#: control bytes a text file does not hold (tab, line feed, carriage return, form feed
#: and the end-of-file mark of old DOS files are text)
_BINARY_BYTES = bytes(set(range(32)) - {9, 10, 12, 13, 26})


def _looks_binary(data: bytes, sample: int = 8192) -> bool:
    """Whether ``data`` is some other kind of file: a spreadsheet, an archive, an image.

    Text is UTF-16 (with or without its byte-order mark), valid UTF-8 whatever characters
    it holds, or in a one-byte encoding with few control bytes; a binary file is none.
    """
    head = data[:sample]
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if head.count(b"\x00") > len(head) // 4:  # UTF-16 without a byte-order mark
        odd, even = head[1::2].count(b"\x00"), head[0::2].count(b"\x00")
        if max(odd, even) >= len(head) // 2 - 1 and min(odd, even) == 0:
            return False
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3 and len(data) > sample:  # a character cut by the sample
            return False
    control = len(head) - len(head.translate(None, _BINARY_BYTES))
    return control > len(head) // 20


#: a character of two to four bytes in UTF-8: seen in a file that is not all UTF-8, it
#: means lines were saved in different encodings
_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _decode(data: bytes | str) -> tuple[str, str]:
    if isinstance(data, str):
        return data.removeprefix("\ufeff"), "utf-8"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.count(b"\x00") > len(data) // 4:  # UTF-16 without a byte-order mark
        odd_nuls = data[1::2].count(b"\x00")
        encoding = "utf-16-le" if odd_nuls >= data[0::2].count(b"\x00") else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
    good = _UTF8_MULTIBYTE.search(data)
    if good is not None:
        good_line = data.count(b"\n", 0, good.start()) + 1
        raise NumberImportError(
            f"the file mixes encodings: line {bad_line} is not UTF-8 while line {good_line} "
            "is; save the file again as CSV UTF-8 and import that"
        )
    for encoding in ("cp1252", "latin-1"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"  # pragma: no cover - latin-1 decodes all


def is_blank(cells: Sequence[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def _score(sample: str, delimiter: str) -> tuple[float, int]:
    """How well ``delimiter`` splits ``sample`` into a table: (consistency, columns)."""
    try:
        rows = [r for r in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)]
    except csv.Error:
        return 0.0, 0
    widths = [len(r) for r in rows[:_SAMPLE_ROWS] if not is_blank(r)]
    if not widths:
        return 0.0, 0
    width, hits = Counter(widths).most_common(1)[0]
    if width <= 1:
        return 0.0, 0
    return hits / len(widths), width


def _detect_delimiter(text: str) -> str:
    sample = text[:_SAMPLE_CHARS]
    if len(text) > _SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    scores = {d: _score(sample, d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: scores[d])  # first wins a tie: ',' before ';'
    if scores[best][1] == 0:
        return ","  # one column: any delimiter reads it the same
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        return best
    return sniffed if sniffed in scores and scores[sniffed] == scores[best] else best


def _looks_like_number_cell(cell: str) -> bool:
    return sum(ch.isdigit() for ch in cell) >= 7


def _is_header(first: list[str], following: list[list[str]]) -> bool:
    cells = [c.strip() for c in first if c.strip()]
    if not cells or any(_looks_like_number_cell(c) for c in cells):
        return False
    if any(_field_for_header(c) is not None for c in cells):
        return True
    # Unknown names: a header if it holds no digits while the data below holds numbers.
    if len(cells) < 2 or any(sum(ch.isdigit() for ch in c) >= 3 for c in cells):
        return False
    return any(_looks_like_number_cell(c) for row in following for c in row)


def sniff(data: bytes | str) -> ParsedTable:
    """Decode a CSV file, find its delimiter and header row, and number its records.

    Bytes are read as UTF-8 (a byte-order mark is dropped), UTF-16 with a byte-order mark
    (Excel's "Unicode text"), else Windows-1252, else Latin-1. The delimiter is one of
    comma, semicolon, tab and pipe. The first non-blank record is the header if it names
    columns rather than holding numbers. Line numbers are those of the file (a record with
    a quoted line break counts from its first line).
    """
    check_import_size(len(data))
    if isinstance(data, bytes) and _looks_binary(data):
        raise NumberImportError(NOT_CSV)
    text, encoding = _decode(data)
    text = text.replace("\x00", "")
    delimiter = _detect_delimiter(text)
    records: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = 0
    try:
        for cells in reader:
            records.append((previous + 1, cells))
            previous = reader.line_num
    except csv.Error as exc:
        raise NumberImportError(f"line {previous + 1} cannot be read: {exc}") from exc

    header_at = next((i for i, (_, cells) in enumerate(records) if not is_blank(cells)), None)
    has_header = False
    header_line: int | None = None
    header_cells: list[str] = []
    if header_at is not None:
        following = [c for _, c in records[header_at + 1 : header_at + 1 + _SAMPLE_ROWS]]
        if _is_header(records[header_at][1], following):
            has_header = True
            header_line, header_cells = records.pop(header_at)
    width = max([len(header_cells), *(len(cells) for _, cells in records)], default=0)
    headers = [c.strip() for c in header_cells] + [""] * (width - len(header_cells))
    headers = [h or f"Column {i + 1}" for i, h in enumerate(headers)]
    return ParsedTable(
        headers=headers,
        rows=records,
        delimiter=delimiter,
        has_header=has_header,
        header_line=header_line,
        encoding=encoding,
    )


# --------------------------------------------------------------------------- mapping

_SYNONYMS: dict[MappedField, tuple[str, ...]] = {
    "number": (
        "number", "numbers", "phone", "phones", "phone number", "phone numbers", "tn", "tns",
        "did", "dids", "did number", "telephone", "telephone number", "e164", "range",
        "number range", "direct number", "phone no", "tel",
    ),
    "site": ("site", "location", "office", "site name", "location name", "site code"),
    "order": (
        "order", "port order", "pon", "order number", "order id", "port order number",
        "purchase order number",
    ),
    "carrier": (
        "carrier", "losing carrier", "provider", "current carrier", "old carrier",
        "service provider",
    ),
    "btn": (
        "btn", "billing number", "billing telephone number", "billing tn",
        "main billing number",
    ),
    "assigned_to": (
        "user", "assigned to", "extension owner", "name", "user name", "owner", "assignee",
        "assigned user", "email",
    ),
    "number_type": ("type", "number type", "line type", "phone type", "tn type"),
}  # fmt: skip


def normalise_header(header: str, *, camel: bool = False) -> str:
    text = header.strip()
    if camel:
        text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # phoneNumber → phone Number
    text = re.sub(r"[_\-/\\]+", " ", text.lower())
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


def _header_names(header: str) -> tuple[str, ...]:
    """The header as written (``pHoNe NuMbEr`` → ``phone number``) and, if different,
    split at camel-case humps (``phoneNumber`` → ``phone number``)."""
    plain, camel = normalise_header(header), normalise_header(header, camel=True)
    return (plain,) if camel == plain else (plain, camel)


def _field_for_header(header: str) -> MappedField | None:
    """The field a header names, exactly or as part of a longer name (``Losing Carrier
    Name`` → carrier); the longest matching synonym wins, then the earlier field."""
    names = [name for name in _header_names(header) if name]
    for field in ColumnMapping.FIELDS:
        if any(name in _SYNONYMS[field] for name in names):
            return field
    best: MappedField | None = None
    best_key = (0, 0, 0)
    for name in names:
        padded = f" {name} "
        for rank, field in enumerate(ColumnMapping.FIELDS):
            for synonym in _SYNONYMS[field]:
                key = (len(synonym.split()), len(synonym), -rank)
                if f" {synonym} " in padded and (best is None or key > best_key):
                    best, best_key = field, key
    return best


def guess_mapping(
    headers: Sequence[str], *, sample_rows: Sequence[Sequence[str]] = ()
) -> ColumnMapping:
    """Propose which column holds each field, from header names (case, spaces and
    punctuation ignored; synonyms such as ``TN``, ``DID``, ``Phone #``, ``PON``).

    Exact names win over partial ones, and each column maps to one field. If no header
    names the number, ``sample_rows`` (e.g. ``[cells for _, cells in table.rows]``) let the
    column that mostly holds phone numbers be chosen.
    """
    chosen: dict[MappedField, int] = {}
    used: set[int] = set()
    names = [_header_names(h) for h in headers]
    for field in ColumnMapping.FIELDS:  # exact names first
        for index, candidates in enumerate(names):
            if index not in used and any(name in _SYNONYMS[field] for name in candidates):
                chosen[field] = index
                used.add(index)
                break
    for index, header in enumerate(headers):  # then partial names
        if index in used:
            continue
        found = _field_for_header(header)
        if found is not None and found not in chosen:
            chosen[found] = index
            used.add(index)
    if "number" not in chosen and sample_rows:
        column = _column_of_numbers(sample_rows, exclude=used)
        if column is not None:
            chosen["number"] = column
    return ColumnMapping(**chosen)


def _column_of_numbers(rows: Sequence[Sequence[str]], exclude: set[int]) -> int | None:
    hits: Counter[int] = Counter()
    for cells in rows[:_SAMPLE_ROWS]:
        for index, cell in enumerate(cells):
            if index not in exclude and _looks_like_number_cell(cell):
                hits[index] += 1
    if not hits:
        return None
    return min(hits, key=lambda i: (-hits[i], i))
