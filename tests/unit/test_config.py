"""The config file: what golive writes into it reads back the same, whatever the text."""

from __future__ import annotations

import tomllib
from pathlib import Path

from golive_tui.config import read_config, update_config

AWKWARD = 'quote " backslash \\ newline \n tab \t return \r bell \x07 Zürich – 東京'


def test_values_of_any_text_read_back_as_they_were_written(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    values = {
        "server_url": "https://golive.example.net/base",
        "user": AWKWARD,
        "ui": {"theme": "golive-light", "keymap": {"porting.transition": "t,ctrl+t",
                                                   "odd key = x": AWKWARD}},
    }
    update_config(values, path)
    assert read_config(path) == values
    assert path.read_text(encoding="utf-8").startswith("# golive settings")
    with path.open("rb") as fh:
        assert tomllib.load(fh) == values  # plain TOML, no golive needed to read it


def test_an_update_keeps_what_it_does_not_name_and_none_removes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    update_config({"server_url": "https://a.example", "project_id": "p1",
                   "ui": {"theme": "golive-dark", "density": "compact"}}, path)
    update_config({"project_id": None, "ui": {"theme": "golive-light"}}, path)
    assert read_config(path) == {
        "server_url": "https://a.example",
        "ui": {"theme": "golive-light", "density": "compact"},
    }
