"""A small modal that asks the user to pick one of a few choices."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option


class ChoiceModal(ModalScreen[Any]):
    """Pick one value; Esc cancels (dismisses with None)."""

    DEFAULT_CSS = """
    ChoiceModal { align: center middle; }
    ChoiceModal > Vertical {
        width: 50; max-width: 90%; height: auto; max-height: 90%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    ChoiceModal Label { width: 100%; text-style: bold; margin-bottom: 1; }
    ChoiceModal OptionList { height: auto; max-height: 18; border: none; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
    ]

    def __init__(self, title: str, choices: list[tuple[str, Any]], *, hint: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            if self.hint:
                yield Label(self.hint, classes="hint")
            yield OptionList(
                *[Option(label, id=str(index)) for index, (label, _value) in enumerate(self.choices)]
            )

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.choices[index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
