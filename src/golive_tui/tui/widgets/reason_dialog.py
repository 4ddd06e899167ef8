"""The one modal that asks why: a hold reason, a resolution note, the reason for a go /
no-go call, the comment on a skipped item, a file path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.visual import VisualType
from textual.widgets import Input, OptionList, Static

from golive_tui.tui.widgets.modal import BoxModal
from golive_tui.tui.widgets.text_entry import TextField


class ReasonDialog(BoxModal[str | None]):
    """Ask for a line of text. Enter records it, Esc cancels (dismisses with None).

    ``body`` is wrapped; ``lines`` (a list of things the answer is about) are one line
    each, cut to the width, at most ``max_lines`` of them. Optional ``choices`` fill the
    text in one key; the answer can still be edited. ``initial`` is a value given (a
    default path), typed over at once.

    With ``required`` an empty answer is refused: the dialog stays open with what was
    typed, says why in place and in a notice, and nothing is recorded. ``check`` is the
    domain's word on an answer (what is wrong with it, or None), refused the same way.
    """

    DEFAULT_CSS = """
    ReasonDialog > .modal-box {
        width: 90%;
        max-width: 84;
    }
    ReasonDialog.-danger > .modal-box {
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
    ReasonDialog #reason-choices, ReasonDialog #reason-choices:focus {
        height: auto;
        max-height: 6;
        border: none;
        padding: 0;
        margin-top: 1;
        background: $surface;
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
        body: VisualType = "",
        *,
        lines: Sequence[Content | str] = (),
        max_lines: int = 8,
        choices: Sequence[str] = (),
        initial: str = "",
        placeholder: str = "Why?",
        required: str | None = None,
        confirm: str = "record",
        danger: bool = False,
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__(classes="-danger" if danger else None)
        self.title_text = title
        self.body = body
        self.lines = list(lines)
        self.max_lines = max_lines
        self.choices = list(choices)
        self.initial = initial
        self.placeholder = placeholder
        self.required = required
        self.confirm = confirm
        self.check = check

    def compose(self) -> ComposeResult:
        with self.box() as box:
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
            if self.choices:
                yield OptionList(*self.choices, id="reason-choices")
            # with reasons to pick, not selected on focus: a picked reason is edited, not
            # typed over; without, a value given (a default path) is typed over at once
            yield TextField(self.initial, placeholder=self.placeholder, id="reason-input",
                            select_on_focus=not self.choices)
            yield Static("", id="reason-error", classes="reason-error")
            hint = Content.assemble(("enter", "bold"), f" {self.confirm}  ", ("esc", "bold"),
                                    " cancel")
            if self.choices:
                hint = Content.assemble(("↑↓ enter", "bold"), " pick a reason, edit it  ", hint)
            yield Static(hint, classes="reason-hint")

    def on_mount(self) -> None:
        if self.choices and not self.initial:
            self.query_one("#reason-choices", OptionList).focus()
        else:
            self.query_one("#reason-input", Input).focus()

    @on(OptionList.OptionSelected, "#reason-choices")
    def _choice(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.query_one("#reason-input", Input)
        entry.value = self.choices[event.option_index]
        entry.focus()
        entry.action_end()

    @on(Input.Submitted, "#reason-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        problem = self.required if not reason else None
        if reason and self.check is not None:
            problem = self.check(reason)
        if problem:
            # refused in place: the dialog stays open with what was typed
            error = self.query_one("#reason-error", Static)
            error.update(problem)
            error.add_class("-shown")
            event.input.add_class("-invalid")
            self.app.notify(problem, title="Refused", severity="error", timeout=8)
            return
        self.dismiss(reason)

    @on(Input.Changed, "#reason-input")
    def _typing(self, event: Input.Changed) -> None:
        if event.value.strip():
            event.input.remove_class("-invalid")
            error = self.query_one("#reason-error", Static)
            error.update("")
            error.remove_class("-shown")

    def action_cancel(self) -> None:
        self.dismiss(None)
