"""The domain layer stays pure: no UI, HTTP client or web framework, no file I/O, no database."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import golive_tui.domain

FORBIDDEN_IN_DOMAIN = ("textual", "httpx", "fastapi", "uvicorn")


def test_importing_domain_loads_no_ui_http_or_web_framework() -> None:
    script = (
        "import json, sys\n"
        "import golive_tui.domain\n"
        "import pkgutil, importlib\n"
        "for info in pkgutil.walk_packages(golive_tui.domain.__path__, 'golive_tui.domain.'):\n"
        "    importlib.import_module(info.name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN_IN_DOMAIN!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == [], f"golive_tui.domain pulled in {loaded}"


DOMAIN_DIR = Path(golive_tui.domain.__file__).parent

#: module prefixes of a database engine or session: the domain describes rows, never opens them
ENGINE_MODULES = ("sqlalchemy.engine", "sqlalchemy.orm.session", "sqlalchemy.pool", "sqlite3",
                  "psycopg", "importlib.resources")
#: names whose use reads or writes a file, or opens a database
FILE_CALLS = ("open", "read_text", "read_bytes", "write_text", "write_bytes", "create_engine",
              "sessionmaker")


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node of the module except what sits under ``if TYPE_CHECKING:``."""
    nodes: list[ast.AST] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        nodes.append(node)
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                pending.extend(child.orelse)
                continue
            pending.append(child)
    return nodes


def _io_in(path: Path) -> list[str]:
    found: list[str] = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            modules = []
        for module in modules:
            if module.startswith(ENGINE_MODULES):
                assert isinstance(node, ast.Import | ast.ImportFrom)
                found.append(f"line {node.lineno}: imports {module}")
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else (
                func.attr if isinstance(func, ast.Attribute) else None)
            if name in FILE_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
    return found


def test_domain_does_no_file_io_and_opens_no_database() -> None:
    sources = sorted(DOMAIN_DIR.rglob("*.py"))
    assert len(sources) > 10, f"found only {len(sources)} domain modules under {DOMAIN_DIR}"
    leaks = {
        str(path.relative_to(DOMAIN_DIR.parent)): found
        for path in sources
        if (found := _io_in(path))
    }
    assert leaks == {}, f"the domain reads or writes files or opens a database: {leaks}"


def test_the_domain_scan_finds_each_kind_of_leak(tmp_path: Path) -> None:
    """The scan above is only as good as what it recognises: each form is caught."""
    leaky = tmp_path / "leaky.py"
    leaky.write_text(
        "from typing import TYPE_CHECKING\n"
        "import sqlite3\n"
        "from sqlalchemy.engine import create_engine\n"
        "from importlib import resources\n"
        "if TYPE_CHECKING:\n"
        "    from sqlalchemy.engine import Dialect\n"
        "def f(p):\n"
        "    open(p)\n"
        "    p.read_text()\n"
        "    p.read_bytes()\n"
        "    p.write_text('x')\n",
        encoding="utf-8",
    )
    assert sorted(_io_in(leaky)) == [
        "line 10: calls read_bytes()",
        "line 11: calls write_text()",
        "line 2: imports sqlite3",
        "line 3: imports sqlalchemy.engine",
        "line 3: imports sqlalchemy.engine.create_engine",
        "line 4: imports importlib.resources",
        "line 8: calls open()",
        "line 9: calls read_text()",
    ]
