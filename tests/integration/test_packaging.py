"""The wheel is complete: built, installed into a clean venv, it carries its styles and
fixtures, reports its version and starts the app headless.

``pip install golive`` is the app alone: the server commands say to install
``golive[server]``, which brings the server stack (uvloop where it is supported)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

import golive_tui
from tests.scratch import scratch_env

# one worker builds the wheel and its venvs once for every test here (the fixtures are the
# module's; spread over workers, each would build them again)
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900), pytest.mark.xdist_group("packaging")]

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class InstalledWheel:
    wheel: Path
    venv_bin: Path
    env: dict[str, str]
    workdir: Path

    def run(self, program: str, *args: str | Path, timeout: float = 60) -> str:
        """The stdout of ``program`` (``golive``, ``python``) of the venv; it must exit 0."""
        return _run(
            [self.venv_bin / program, *args], env=self.env, cwd=self.workdir, timeout=timeout
        )

    def status(self, program: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
        """``program`` of the venv run to its end, whatever its exit status."""
        return subprocess.run(
            [str(self.venv_bin / program), *map(str, args)],
            env=self.env,
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )


def _clean_env(home: Path) -> dict[str, str]:
    """The caller's environment minus anything that would let the repo's own sources leak in,
    with HOME and the XDG folders in a scratch place so nothing touches the real user's data."""
    env = scratch_env(
        home, drop={"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}.__contains__
    )
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        # Keep pip's download cache so repeated runs don't fetch everything again.
        PIP_CACHE_DIR=os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
    )
    return env


def _run(cmd: list[str | Path], *, env: dict[str, str], cwd: Path, timeout: float) -> str:
    result = subprocess.run(
        [str(c) for c in cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout[-4000:]}\n--- stderr ---\n{result.stderr[-4000:]}"
    )
    return result.stdout


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("wheel")
    dist = root / "dist"
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", dist, REPO_ROOT],
        env=_clean_env(root / "home"),
        cwd=root,
        timeout=300,
    )
    wheels = sorted(dist.glob("golive-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    return wheels[0]


def _install(root: Path, wheel: Path, extras: str = "") -> InstalledWheel:
    """The wheel in a fresh venv, with ``extras`` (e.g. ``"[server]"``), pinned as in CI."""
    env = _clean_env(root / "home")
    venv_dir = root / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    venv_bin = venv_dir / "bin"
    _run(
        [
            venv_bin / "python",
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-compile",  # nothing here imports a module twice; saves compiling them all
            f"{wheel}{extras}",
            "-c",
            REPO_ROOT / "constraints.txt",
        ],
        env=env,
        cwd=root,
        timeout=600,
    )
    return InstalledWheel(wheel=wheel, venv_bin=venv_bin, env=env, workdir=root)


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory, built_wheel: Path) -> InstalledWheel:
    """``pip install golive``: the app alone, no extras."""
    return _install(tmp_path_factory.mktemp("packaging"), built_wheel)


@pytest.fixture(scope="module")
def installed_with_web(
    tmp_path_factory: pytest.TempPathFactory, built_wheel: Path
) -> InstalledWheel:
    """``pip install golive[web]``, without the server extra."""
    return _install(tmp_path_factory.mktemp("packaging-web"), built_wheel, "[web]")


@pytest.fixture(scope="module")
def installed_with_server(
    tmp_path_factory: pytest.TempPathFactory, built_wheel: Path
) -> InstalledWheel:
    """``pip install golive[server]``."""
    return _install(tmp_path_factory.mktemp("packaging-server"), built_wheel, "[server]")


def test_wheel_carries_styles_and_fixtures(installed_wheel: InstalledWheel) -> None:
    with zipfile.ZipFile(installed_wheel.wheel) as wheel:
        names = wheel.namelist()
    assert "golive_tui/styles/golive.tcss" in names
    assert any(name.startswith("golive_tui/fixtures/") for name in names), names
    shipped_styles = {n for n in names if n.startswith("golive_tui/styles/")}
    repo_styles = {f"golive_tui/styles/{p.name}" for p in (REPO_ROOT / "styles").glob("*.tcss")}
    assert repo_styles <= shipped_styles, f"missing from the wheel: {repo_styles - shipped_styles}"


def test_installed_package_has_styles_and_fixtures(installed_wheel: InstalledWheel) -> None:
    script = (
        "import golive_tui, pathlib\n"
        "pkg = pathlib.Path(golive_tui.__file__).parent\n"
        "print(pkg)\n"
        "print((pkg / 'styles' / 'golive.tcss').is_file())\n"
        "print((pkg / 'fixtures').is_dir())\n"
    )
    out = _run(
        [installed_wheel.venv_bin / "python", "-c", script],
        env=installed_wheel.env,
        cwd=installed_wheel.workdir,
        timeout=60,
    ).splitlines()
    package_dir = Path(out[0])
    assert package_dir.is_relative_to(installed_wheel.venv_bin.parent), (
        f"imported golive_tui from {package_dir}, not from the fresh venv"
    )
    assert out[1:] == ["True", "True"], out


def test_golive_version_matches_package(installed_wheel: InstalledWheel) -> None:
    out = _run(
        [installed_wheel.venv_bin / "golive", "--version"],
        env=installed_wheel.env,
        cwd=installed_wheel.workdir,
        timeout=60,
    )
    assert golive_tui.__version__ in out


def test_app_starts_headless_from_the_wheel(installed_wheel: InstalledWheel) -> None:
    out = _run(
        [installed_wheel.venv_bin / "golive", "smoke"],
        env=installed_wheel.env,
        cwd=installed_wheel.workdir,
        timeout=180,
    )
    assert "smoke ok" in out


def test_help_works_without_extras(installed_wheel: InstalledWheel) -> None:
    out = installed_wheel.run("golive", "--help")
    for command in ("demo", "connect", "server", "admin"):
        assert command in out, out


def test_plain_install_has_no_server_stack(installed_wheel: InstalledWheel) -> None:
    script = (
        "import importlib.util\n"
        "for m in ('fastapi', 'uvicorn', 'alembic', 'psycopg', 'uvloop', 'textual_serve'):\n"
        "    print(m, importlib.util.find_spec(m) is not None)\n"
    )
    out = installed_wheel.run("python", "-c", script)
    assert "True" not in out, f"`pip install golive` brought part of the server:\n{out}"


@pytest.mark.parametrize(
    "argv",
    [["server"], ["server", "--help"], ["admin", "list-projects"], ["demo"]],
    ids=" ".join,
)
def test_server_commands_say_what_to_install(
    installed_wheel: InstalledWheel, argv: list[str]
) -> None:
    result = installed_wheel.status("golive", *argv)
    assert result.returncode == 4, (result.returncode, result.stdout, result.stderr)
    assert "pip install 'golive[server]'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    if argv == ["demo"]:
        assert "golive demo --offline" in result.stderr, result.stderr


def test_server_extra_brings_the_server(installed_with_server: InstalledWheel) -> None:
    installed = installed_with_server
    assert "--db" in installed.run("golive", "server", "--help")
    db = installed.workdir / "server.db"
    installed.run(
        "golive",
        "admin",
        "--db",
        f"sqlite:///{db}",
        "create-project",
        "--name",
        "Packaging check",
        "--customer",
        "Example Inc.",
        timeout=120,
    )
    found = installed.run(
        "python", "-c", "import importlib.util as u; print(u.find_spec('uvloop') is not None)"
    )
    # uvloop comes where it is supported: on Linux and macOS under CPython
    expected = sys.platform != "win32" and sys.implementation.name == "cpython"
    assert found.strip() == str(expected), found


@pytest.mark.parametrize(
    ("argv", "extras"), [(["web"], "web"), (["web", "--demo"], "web,server")], ids=str
)
def test_web_says_what_to_install(
    installed_wheel: InstalledWheel, argv: list[str], extras: str
) -> None:
    result = installed_wheel.status("golive", *argv)
    assert result.returncode == 4, (result.returncode, result.stdout, result.stderr)
    assert f"pip install 'golive[{extras}]'" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_web_extra_serves_without_the_server_stack(installed_with_web: InstalledWheel) -> None:
    installed = installed_with_web
    installed.run("python", "-c", "import golive_tui.app.web")
    # past the check of its extra, golive web goes on to its own checks
    result = installed.status(
        "golive", "web", "--host", "0.0.0.0", "--server", "http://127.0.0.1:9"
    )
    assert result.returncode == 5, (result.returncode, result.stdout, result.stderr)
    assert "refusing to serve on 0.0.0.0 over plain HTTP" in result.stderr, result.stderr
    # the demo needs the server too
    demo = installed.status("golive", "web", "--demo")
    assert demo.returncode == 4 and "pip install 'golive[server]'" in demo.stderr, demo.stderr
