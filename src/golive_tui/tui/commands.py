"""Command palette: every screen and every action of the current screen."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from golive_tui.tui.app import GoLiveApp


class GoLiveCommands(Provider):
    """Jump to any screen, or run any action the focused screen offers."""

    def _commands(self) -> list[tuple[str, str, object]]:
        app: GoLiveApp = self.app  # type: ignore[assignment]
        from golive_tui.tui.app import MODE_TITLES

        commands: list[tuple[str, str, object]] = [
            (f"Go to {title}", f"Open the {title.lower()} screen",
             partial(app.switch_mode, mode))
            for mode, title in MODE_TITLES.items()
        ]
        commands.append(("Help: keys of this screen", "List every key binding",
                         app.action_help))
        commands.append(("Portfolio: all my projects", "Each project's gate, P1/P2 and SLA "
                         "breaches, overlapping cutovers, one support queue",
                         app.action_portfolio))
        from golive_tui.tui.screens.record_import import start_record_import

        commands.append(("Import sites from CSV", "Preview every line, then accept",
                         partial(start_record_import, self.screen, "sites")))
        commands.append(("Import port orders from CSV", "Preview every line, then accept",
                         partial(start_record_import, self.screen, "orders")))
        from golive_tui.tui.screens.base import GoLiveScreen
        from golive_tui.tui.screens.project_settings import open_project_settings

        if isinstance(self.screen, GoLiveScreen):
            commands.append(("Project settings: holidays and call-quality thresholds",
                             "The days no port activates; the MOS, jitter and loss a "
                             "network test must meet",
                             partial(open_project_settings, self.screen)))
        for theme in ("golive-dark", "golive-light", "golive-high-contrast"):
            commands.append((f"Theme: {theme}", "Switch the colour theme",
                             partial(setattr, app, "theme", theme)))
        # the screen the palette was opened over: while it is open, app.screen is the palette
        screen = self.screen
        for binding in getattr(screen, "BINDINGS", []):
            if not hasattr(binding, "action") or not binding.description:
                continue
            commands.append((
                f"{binding.description}",
                f"{type(screen).__name__.replace('Screen', '')}: key {binding.key_display or binding.key}",
                partial(screen.run_action, binding.action),
            ))
        return commands

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)  # type: ignore[arg-type]

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)  # type: ignore[arg-type]
