"""A modal that asks why: the reason for a go / no-go call, the comment on a skipped item."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.visual import VisualType
from textual.widgets import Input, Static

from golive_tui.tui.widgets.text_entry import TextField


class ReasonDialog(ModalScreen[str | None]):
    """Ask for a line of text. Enter records it, Esc cancels (dismisses with None).

    ``body`` is wrapped; ``lines`` (a list of things the answer is about) are one line
    each, cut to the width, at most ``max_lines`` of them.

    With ``required_message`` an empty answer is refused: the dialog stays open, says
    why in place and in a notice, and nothing is recorded. ``check`` is the domain's word
    on an answer (what is wrong with it, or None), refused the same way.
    """

    DEFAULT_CSS = """
    ReasonDialog {
        align: center middle;
    }
    ReasonDialog > Vertical {
        width: 90%;
        max-width: 84;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    ReasonDialog.-danger > Vertical {
        border: round $error;
    }
    ReasonDialog .reason-body {
        height: auto;
        max-height: 6;
    }
    ReasonDialog .reason-lines {
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    ReasonDialog #reason-input {
        margin-top: 1;
    }
    ReasonDialog Input {
        width: 100%;
    }
    ReasonDialog .reason-error {
        color: $error;
        text-style: bold;
        height: auto;
        display: none;
    }
    ReasonDialog .reason-error.-shown {
        display: block;
    }
    ReasonDialog .reason-hint {
        color: $text-muted;
        height: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="reason.cancel"),
    ]

    def __init__(
        self,
        title: str,
        *,
        body: VisualType = "",
        lines: Sequence[Content | str] = (),
        max_lines: int = 8,
        placeholder: str = "Why?",
        required_message: str | None = None,
        confirm: str = "record",
        danger: bool = False,
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self.title_text = title
        self.body = body
        self.lines = list(lines)
        self.max_lines = max_lines
        self.placeholder = placeholder
        self.required_message = required_message
        self.confirm = confirm
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            if self.body:
                yield Static(self.body, classes="reason-body")
            if self.lines:
                shown = self.lines[: self.max_lines]
                if len(self.lines) > self.max_lines:
                    more = len(self.lines) - self.max_lines + 1
                    shown = [*self.lines[: self.max_lines - 1],
                             Content.styled(f"… and {more} more", "$text-muted")]
                yield Static(Content("\n").join(shown), classes="reason-lines")
            yield TextField(placeholder=self.placeholder, id="reason-input")
            yield Static("", classes="reason-error")
            yield Static(
                Content.assemble(("enter", "bold"), f" {self.confirm}  ", ("esc", "bold"),
                                 " cancel"),
                classes="reason-hint",
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        problem = self.required_message if not reason else None
        if reason and self.check is not None:
            problem = self.check(reason)
        if problem:
            error = self.query_one(".reason-error", Static)
            error.update(problem)
            error.add_class("-shown")
            self.app.notify(problem, title="Refused", severity="error", timeout=8)
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)
