"""Where the files that ship with golive live: stylesheets and the demo fixtures.

In a source checkout they are the top-level ``styles/`` and ``fixtures/`` folders of the
repository; an installed wheel carries them as ``golive_tui/styles`` and
``golive_tui/fixtures`` next to this module (see ``force-include`` in ``pyproject.toml``).
The in-package copy wins when it exists, so an installed app never reads a stray checkout.

Standard library only: this module is imported by the domain, the CLI and the TUI alike.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DEMO_FIXTURE",
    "demo_fixture_path",
    "fixtures_dir",
    "project_template_path",
    "project_templates",
    "styles_dir",
]

#: file name of the demo go-live inside the fixtures folder
DEMO_FIXTURE = "demo-go-live.json"

_PACKAGE_DIR = Path(__file__).resolve().parent
#: src/golive_tui/ -> src/ -> the repository root
_REPO_ROOT = _PACKAGE_DIR.parent.parent


def _resource_dir(name: str) -> Path:
    """``golive_tui/<name>`` when installed, else ``<repo root>/<name>``.

    When neither exists the in-package path is returned, so the error a caller gets when
    opening a file names the place a wheel would have put it.
    """
    in_package = _PACKAGE_DIR / name
    if in_package.is_dir():
        return in_package
    in_checkout = _REPO_ROOT / name
    if in_checkout.is_dir():
        return in_checkout
    return in_package


def styles_dir() -> Path:
    """The folder of the Textual stylesheets (``*.tcss``)."""
    return _resource_dir("styles")


def fixtures_dir() -> Path:
    """The folder of the demo fixtures (``*.json``)."""
    return _resource_dir("fixtures")


def demo_fixture_path() -> Path:
    """The demo go-live the ``golive demo`` command loads."""
    return fixtures_dir() / DEMO_FIXTURE


def templates_dir() -> Path:
    """The folder of the project templates (``<name>.json``, shaped like the demo)."""
    return _resource_dir("templates")


def project_templates() -> list[str]:
    """The names of the project templates that ship with golive (``standard``...)."""
    return sorted(path.stem for path in templates_dir().glob("*.json"))


def project_template_path(name: str) -> Path:
    """The file of the project template ``name``."""
    return templates_dir() / f"{name}.json"
