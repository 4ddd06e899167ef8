"""Themes: a dark default, one readable on a light terminal, and a high-contrast one."""

from __future__ import annotations

from textual.theme import Theme

GOLIVE_DARK = Theme(
    name="golive-dark",
    primary="#4EA1F3",
    secondary="#8C7AE6",
    accent="#F5A623",
    warning="#F5A623",
    error="#E5534B",
    success="#3FB950",
    foreground="#D8DEE9",
    background="#0F1419",
    surface="#171D24",
    panel="#1F2731",
    dark=True,
)

GOLIVE_LIGHT = Theme(
    name="golive-light",
    primary="#0B62C4",
    secondary="#5B3FB5",
    accent="#A15C00",
    warning="#A15C00",
    error="#B42318",
    success="#1A7F37",
    foreground="#1F2328",
    background="#FFFFFF",
    surface="#F3F5F7",
    panel="#E6EAEF",
    dark=False,
)

GOLIVE_HIGH_CONTRAST = Theme(
    name="golive-high-contrast",
    primary="#00FFFF",
    secondary="#FFFF00",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF4040",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
)

THEMES = (GOLIVE_DARK, GOLIVE_LIGHT, GOLIVE_HIGH_CONTRAST)


def theme_names() -> list[str]:
    """Every theme the app starts with: golive's own, then Textual's built-in ones."""
    from textual.theme import BUILTIN_THEMES

    own = [theme.name for theme in THEMES]
    return own + [name for name in BUILTIN_THEMES if name not in own]
