"""An environment for a process under test whose home is a scratch folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path


def scratch_env(home: Path, *, drop: Callable[[str], bool] = lambda name: False) -> dict[str, str]:
    """This process's environment less the variables ``drop`` names, with HOME and the XDG
    folders under ``home``, so that nothing reads or writes the real user's data."""
    env = {k: v for k, v in os.environ.items() if not drop(k)}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
    )
    return env
