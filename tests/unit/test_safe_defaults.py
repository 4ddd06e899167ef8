"""Safe client defaults that need no server: exit codes, formula cells, plain HTTP, sizes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from golive_tui.app.exit_codes import ExitCode
from golive_tui.config import check_profile_name
from golive_tui.domain.number_import import (
    MAX_IMPORT_BYTES,
    NumberImportError,
    check_import_size,
    sniff,
)
from golive_tui.reports.csv_export import neutralise, write_csv, write_csv_to
from golive_tui.sync.client import plain_http_refusal
from golive_tui.tui.terminal import EXIT_NO_TERMINAL, EXIT_TERMINAL_LOST


def test_the_app_s_own_exit_statuses_are_those_of_the_one_table() -> None:
    assert EXIT_NO_TERMINAL == ExitCode.NO_TERMINAL
    assert EXIT_TERMINAL_LOST == ExitCode.TERMINAL_LOST
    assert len({int(code) for code in ExitCode}) == len(ExitCode)


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+12125550100", "'+12125550100"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Main St = 5", "Main St = 5"),
        ("", ""),
        (None, ""),
        (3, "3"),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell: object, written: str) -> None:
    assert neutralise(cell) == written
    out = io.StringIO()
    write_csv_to(out, ["value"], [[cell]])
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["value"], [written]]


def test_a_csv_file_is_not_replaced_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("keep me\n")
    with pytest.raises(FileExistsError, match="already exists"):
        write_csv(path, ["a"], [["1"]])
    assert path.read_text() == "keep me\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    assert write_csv(path, ["a"], [["=1"]], overwrite=True) == 1
    assert path.read_bytes() == b"a\r\n'=1\r\n"


@pytest.mark.parametrize(
    ("url", "insecure", "refused"),
    [
        ("http://10.1.2.3:8765", False, True),
        ("http://golive.example.net", False, True),
        ("http://10.1.2.3:8765", True, False),
        ("https://golive.example.net", False, False),
        ("http://127.0.0.1:8765", False, False),
        ("http://127.8.9.10:8765", False, False),
        ("http://localhost:8765", False, False),
        ("http://[::1]:8765", False, False),
    ],
)
def test_a_token_goes_over_plain_http_only_on_this_machine_or_when_asked(
    url: str, insecure: bool, refused: bool
) -> None:
    assert (plain_http_refusal(url, insecure=insecure) is not None) is refused


@pytest.mark.parametrize("name", ["../x", ".hidden", "a/b", "", "x" * 41, "trailing."])
def test_a_profile_name_that_could_not_be_a_folder_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="cannot name a profile"):
        check_profile_name(name)


def test_an_import_over_the_size_limit_is_refused_before_it_is_read() -> None:
    check_import_size(MAX_IMPORT_BYTES)
    with pytest.raises(NumberImportError, match=r"reads at most 20 MB"):
        check_import_size(MAX_IMPORT_BYTES + 1)
    with pytest.raises(NumberImportError, match=r"20\.0 MB"):
        sniff(b"+12125550100\n" * (MAX_IMPORT_BYTES // 13 + 1))
