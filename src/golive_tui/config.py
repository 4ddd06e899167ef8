"""The client's settings: a TOML file, overridden by ``GOLIVE_*`` environment variables.

The file is ``<user config dir>/golive/config.toml`` unless ``GOLIVE_CONFIG`` names another.
A profile (``--profile NAME`` or ``GOLIVE_PROFILE``) has its own folder for the file and the
token, ``<user config dir>/golive/profiles/NAME/``, and its own data folder (caches and log),
``<user data dir>/golive/profiles/NAME/``: each connection's token and cache stay apart.
Nested sections are set from the environment with a double underscore, e.g.
``GOLIVE_UI__THEME=golive-light``. Secrets never go in the file: the token lives in its own
file, readable by its owner only (see :func:`save_token`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from platformdirs import user_config_dir, user_data_dir
from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

__all__ = [
    "CONFIG_ENV",
    "PROFILE_ENV",
    "Settings",
    "UiSettings",
    "config_path",
    "load_settings",
    "load_token",
    "profile_name",
    "save_config",
    "save_token",
    "update_config",
]

#: the environment variable that points at another config file
CONFIG_ENV = "GOLIVE_CONFIG"
#: the environment variable that names the profile in force (``--profile`` sets it)
PROFILE_ENV = "GOLIVE_PROFILE"
APP_NAME = "golive"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


def profile_name() -> str | None:
    """The profile in force (``GOLIVE_PROFILE``), or None for the default one.

    Raises ValueError for a name that could not be a folder of its own.
    """
    name = os.environ.get(PROFILE_ENV, "").strip()
    if not name or name == "default":
        return None
    check_profile_name(name)
    return name


def check_profile_name(name: str) -> str:
    """``name`` when it can name a profile (letters, digits, ``_ . -``, up to 40), else ValueError."""
    if not _PROFILE_NAME.fullmatch(name) or name.endswith("."):
        raise ValueError(
            f"{name!r} cannot name a profile: use up to 40 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit."
        )
    return name


def _profile_folder(base: Path) -> Path:
    name = profile_name()
    return base if name is None else base / "profiles" / name


def default_config_dir() -> Path:
    """The folder of the config file and the token: the profile's own under ``profiles/``."""
    return _profile_folder(Path(user_config_dir(APP_NAME, appauthor=False)))


def default_data_dir() -> Path:
    """The folder of the caches and the log: the profile's own under ``profiles/``."""
    return _profile_folder(Path(user_data_dir(APP_NAME, appauthor=False)))


def config_path() -> Path:
    """The config file in force: ``$GOLIVE_CONFIG``, else the platform's config dir."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return default_config_dir() / "config.toml"


class UiSettings(BaseModel):
    """How the app looks and which keys it answers to."""

    model_config = ConfigDict(extra="ignore", use_attribute_docstrings=True)

    theme: str = "golive-dark"
    """The Textual theme; the app ships ``golive-dark`` and ``golive-light``."""

    density: Literal["auto", "compact", "comfortable"] = "auto"
    """Row spacing of tables: ``auto`` picks compact on small terminals."""

    keymap: dict[str, str] = Field(default_factory=dict)
    """Key rebinding: binding id → keys, e.g. ``{"transition" = "t,ctrl+t"}``."""


class Settings(BaseSettings):
    """Where golive syncs to, where it keeps its cache, and how it looks."""

    model_config = SettingsConfigDict(
        env_prefix="GOLIVE_",
        env_nested_delimiter="__",
        extra="ignore",
        use_attribute_docstrings=True,
    )

    server_url: str | None = None
    """The golive server to sync with, e.g. ``https://golive.example.net`` (set by
    ``golive connect``)."""

    user: str | None = None
    """The user the token belongs to, as the server reported it at ``golive connect``."""

    project_id: str | None = None
    """The project opened by default."""

    insecure: bool = False
    """Send the token to ``server_url`` over plain HTTP although it is not this machine
    (set by ``golive connect --insecure``); otherwise such a server is refused."""

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the local caches live (one SQLite file per server and user)."""

    token_file: Path = Field(default_factory=lambda: default_config_dir() / "token")
    """The file holding the API token, mode 0600; never put the token in this config."""

    ui: UiSettings = Field(default_factory=UiSettings)
    """Look and keys."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # precedence: arguments, then the environment, then the file named at load time
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_path())
        return (init_settings, env_settings, toml)

    def cache_path(
        self,
        server_url: str | None = None,
        user: str | None = None,
        project_id: str | None = None,
    ) -> Path:
        """The cache file for one server and user: ``<data_dir>/caches/<host>-<user>-<hash>.sqlite``.

        The readable part helps a person find the file; the hash keeps two servers on the
        same host (or users whose names clean up the same way) apart. The app's cache holds
        the project it opens; ``project_id`` names the cache of one project of its own, for
        a command run on another project than the app's.
        """
        url = (server_url or self.server_url or "local").rstrip("/")
        who = user or self.user or "anonymous"
        parts = urlsplit(url)
        host = parts.netloc or parts.path or "local"
        digest = _cache_digest(url, who, project_id)
        name = f"{_slug(host)}-{_slug(who)}-{digest}.sqlite"
        return self.data_dir / "caches" / name

    def known_caches(self, server_url: str, project_id: str) -> list[tuple[Path, str]]:
        """The caches on this machine that may hold the server's project, and whose each is.

        For a command that could not reach the server and does not know the user its
        token belongs to: a cache's name holds the user and a hash of server, user (and
        project, for a project's own cache), which is checked here. The project's own
        caches come first, then the app's (which hold whichever project the app opened),
        the newest first.
        """
        url = server_url.rstrip("/")
        parts = urlsplit(url)
        prefix = f"{_slug(parts.netloc or parts.path or 'local')}-"
        found: list[tuple[bool, float, Path, str]] = []
        for path in (self.data_dir / "caches").glob(f"{prefix}*.sqlite"):
            who, _, digest = path.stem[len(prefix):].rpartition("-")
            if not who:
                continue
            if digest == _cache_digest(url, who, project_id):
                found.append((True, path.stat().st_mtime, path, who))
            elif digest == _cache_digest(url, who, None):
                found.append((False, path.stat().st_mtime, path, who))
        found.sort(reverse=True)
        return [(path, who) for _own, _mtime, path, who in found]


def _cache_digest(url: str, who: str, project_id: str | None) -> str:
    key = f"{url}\n{who}" if project_id is None else f"{url}\n{who}\n{project_id}"
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._")[:40] or "x"


def load_settings(**overrides: Any) -> Settings:
    """Read the config file and the environment; ``overrides`` win over both."""
    return Settings(**overrides)


# -- the config file ------------------------------------------------------------------------


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The config file's content as a dict (empty when there is no file yet)."""
    path = path or config_path()
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML ({exc}); fix or remove it.") from exc


def update_config(values: Mapping[str, Any], path: Path | None = None) -> Path:
    """Set top-level keys (or whole sections) in the config file, keeping everything else.

    A value of None removes the key. The file is replaced atomically.
    """
    path = path or config_path()
    data = read_config(path)
    for key, value in values.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    save_config(data, path)
    return path


def save_config(data: Mapping[str, Any], path: Path | None = None) -> None:
    """Write ``data`` as TOML (atomically: a crash leaves the old file or the new one)."""
    import tomli_w  # only a save needs the writer

    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "# golive settings; see `golive --help`. The token is kept in its own file.\n"
    text += tomli_w.dumps(data)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


# -- the token file -------------------------------------------------------------------------


def save_token(path: Path, token: str) -> None:
    """Write the token to ``path`` with mode 0600, never readable by others even briefly.

    The file is created 0600 by ``os.open`` (not chmod-ed afterwards) under a temporary
    name and renamed over the old one, so a reader sees the old token or the new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        os.unlink(tmp)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask can only remove bits; make the mode exact
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(token.strip() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    os.replace(tmp, path)


def load_token(path: Path) -> str | None:
    """The saved token, or None when there is none.

    A token file others can read is refused: fix the mode (``chmod 600``) or connect again.
    """
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if os.name == "posix" and mode & 0o077:
        raise PermissionError(
            f"{path} can be read by other users (mode {mode & 0o777:o}); run "
            f"`chmod 600 {path}` or `golive connect` again."
        )
    token = path.read_text(encoding="utf-8").strip()
    return token or None
