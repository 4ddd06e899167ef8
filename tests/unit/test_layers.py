"""The domain layer stays pure: importing it pulls in no UI, HTTP client or web framework."""

import json
import subprocess
import sys

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
