"""The IPM on a laptop browser: ``golive web --demo`` in headless Chromium, signed in with
the demo's token, shows the dashboard.

Chromium is Debian's (``apt-get install chromium``; ``make test`` installs it when it runs
as root), driven by Playwright without a browser download of its own. Without Chromium the
test is skipped with the reason on a developer's machine, and fails when ``CI`` is set.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import skip_unless_ci
from tests.waiting import bound
from tests.web_process import running_web

if TYPE_CHECKING:
    from playwright.sync_api._context_manager import PlaywrightContextManager

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

#: where Debian puts Chromium; GOLIVE_TEST_CHROMIUM names another
CHROMIUM = os.environ.get("GOLIVE_TEST_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"

#: kept by the page: the text of everything the app drew (its escape codes left in)
RECORD_SCREEN = """
window.__golive_screen = [];
const PageSocket = window.WebSocket;
window.WebSocket = class extends PageSocket {
  constructor(...args) {
    super(...args);
    const decoder = new TextDecoder();
    this.addEventListener("message", (event) => {
      if (typeof event.data !== "string") {
        window.__golive_screen.push(decoder.decode(event.data, {stream: true}));
      }
    });
  }
};
"""

#: the text the app drew since its message number ``since``, its escape codes taken out
SCREEN_TEXT = r"""(since) => window.__golive_screen.slice(since).join("")
  .replace(/\x1b\][^\x07]*\x07/g, "").replace(/\x1b\[[0-9;?<>=$]*[ -\/]*[@-~]/g, "")"""

#: how a PNG looks, measured by the browser: its colours and the share of pixels that are
#: not the commonest colour (the background)
MEASURE_PNG = """async (data) => {
  const image = new Image();
  image.src = "data:image/png;base64," + data;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width; canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const pixels = context.getImageData(0, 0, image.width, image.height).data;
  const counts = new Map();
  for (let i = 0; i < pixels.length; i += 4) {
    const key = (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const total = pixels.length / 4;
  const commonest = Math.max(...counts.values());
  return {width: image.width, height: image.height, colours: counts.size,
          drawn: (total - commonest) / total};
}"""


def _playwright() -> Callable[[], PlaywrightContextManager]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        skip_unless_ci(
            f"Playwright is not installed ({exc}): pip install playwright", "the app in a browser"
        )
        raise
    if not Path(CHROMIUM).is_file():
        skip_unless_ci(
            f"Chromium is not installed at {CHROMIUM}: apt-get install chromium "
            "(make test does it when run as root)",
            "the app in a browser",
        )
    return sync_playwright


def _wait_for_screen(page: Any, pattern: str, since: int = 0) -> None:
    """Until the app has drawn text matching ``pattern`` (a regular expression) since its
    message number ``since``."""
    page.wait_for_function(
        f"([since, pattern]) => new RegExp(pattern).test(({SCREEN_TEXT})(since))",
        arg=[since, pattern],
    )


def test_the_ipm_signs_in_and_sees_the_dashboard(tmp_path: Path) -> None:
    sync_playwright = _playwright()
    home = tmp_path / "home"
    demo = home / "web-demo"
    with running_web(["--demo", "--dir", str(demo)], home) as web:
        token = (demo / "token").read_text().strip()
        assert token in web.output, "the demo says its token where it was started"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(RECORD_SCREEN)
                page = context.new_page()
                page.set_default_timeout(bound(120) * 1000)

                page.goto(web.url)
                assert page.url == f"{web.url}/login"
                page.fill("#token", token)
                page.click("button[type=submit]")
                page.wait_for_url(f"{web.url}/")

                # the sign-in is a cookie the page's scripts cannot read, never in the URL
                (cookie,) = context.cookies()
                assert cookie["name"] == "golive_session"
                assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
                assert page.evaluate("document.cookie") == ""
                assert token not in page.url and token not in page.content()

                for text in ("Dashboard", "Go / no-go", "Ridgeline Veterinary Partners"):
                    _wait_for_screen(page, text)
                screen = page.evaluate(f"({SCREEN_TEXT})(0)")
                assert "NO-GO" in screen, screen[-2000:]

                # keys reach the app: 2 opens the checklist, 1 the dashboard again
                page.focus(".xterm-helper-textarea")
                drawn = page.evaluate("window.__golive_screen.length")
                page.keyboard.press("2")
                _wait_for_screen(page, r"waiting\s+\d+ items", since=drawn)
                drawn = page.evaluate("window.__golive_screen.length")
                page.keyboard.press("1")
                _wait_for_screen(page, "Go / no-go", since=drawn)

                shot = tmp_path / "dashboard.png"
                measure = browser.new_page()

                def drawn() -> dict[str, float]:
                    page.screenshot(path=shot)
                    data = base64.b64encode(shot.read_bytes()).decode()
                    result: dict[str, float] = measure.evaluate(MEASURE_PNG, data)
                    return result

                # the terminal paints on the next frames: look until it has
                looks = [drawn()]
                while looks[-1]["drawn"] < 0.05 and len(looks) < 50:
                    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(1)))")
                    looks.append(drawn())
                look = looks[-1]
                print(f"screenshot {shot}: {look}")
                assert (look["width"], look["height"]) == (1280, 800)
                assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
                assert look["colours"] >= 16, f"the screenshot is nearly blank: {look}"
                assert look["drawn"] >= 0.05, f"the screenshot is nearly blank: {look}"
            finally:
                browser.close()
