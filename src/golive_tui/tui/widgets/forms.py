"""Small modal forms the screens share: pick one of a list, open an issue, add or edit a
record (the reason for a change is asked by ``reason_dialog``).

Each one fits an 80x24 terminal, works from the keyboard alone (Enter accepts, Esc
cancels) and returns its answer through ``dismiss``; ``None`` always means "cancelled".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any, ClassVar, Generic, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import (
    Button,
    Input,
    Label,
    OptionList,
    Select,
    SelectionList,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from golive_tui.domain.enums import EntityKind, IssueCategory, Priority
from golive_tui.domain.errors import DomainError
from golive_tui.domain.time_text import parse_typed_time, typed_time_text
from golive_tui.tui.widgets.modal import BoxModal
from golive_tui.tui.widgets.text_entry import TextBox, TextField

V = TypeVar("V")

#: what each priority means (DOMAIN.md §6), for pickers and forms
PRIORITY_MEANINGS: dict[Priority, str] = {
    Priority.P1: "service down, no workaround",
    Priority.P2: "heavily degraded",
    Priority.P3: "degraded, workaround exists",
    Priority.P4: "no service impact",
}

#: the words people use for each hypercare category (DOMAIN.md §6)
CATEGORY_LABELS: dict[IssueCategory, str] = {
    IssueCategory.NO_AUDIO: "One-way or no audio",
    IssueCategory.CHOPPY_AUDIO: "Choppy audio",
    IssueCategory.DROPPED_CALLS: "Dropped calls",
    IssueCategory.ECHO_DTMF: "Echo / no DTMF",
    IssueCategory.INBOUND_NOT_REACHING: "Inbound not reaching a number",
    IssueCategory.WRONG_CALLER_ID: "Wrong outbound caller ID",
    IssueCategory.E911_ADDRESS: "E911 address missing or unverified",
    IssueCategory.EMERGENCY_NOTIFICATION: "Emergency notification not received",
    IssueCategory.PHONE_PROVISIONING: "Desk phone not provisioning",
    IssueCategory.PAGING: "Paging device",
    IssueCategory.CALL_QUEUE: "Call queue misrouting",
    IssueCategory.AUTO_RECEPTIONIST: "Auto receptionist misroute",
    IssueCategory.VOICEMAIL: "Voicemail",
    IssueCategory.FAX: "Fax failures",
    IssueCategory.SERVICES_LOST_WITH_PORT: "Services lost with the port",
    IssueCategory.WRONG_NUMBER_PORTED: "Wrong number ported (snapback)",
    IssueCategory.CLIENT_LOGIN: "Client login / SSO / licence",
    IssueCategory.TRAINING: "Training and adoption",
    IssueCategory.OTHER: "Other",
}


def category_label(category: str) -> str:
    try:
        return CATEGORY_LABELS[IssueCategory(category)]
    except ValueError:
        return category.replace("_", " ")


class PickerModal(BoxModal[V | None], Generic[V]):
    """Choose one value from a short list: arrows (or the first letters) then Enter."""

    DEFAULT_CSS = """
    PickerModal > #picker-box {
        width: 64;
    }
    PickerModal OptionList, PickerModal OptionList:focus {
        height: auto;
        max-height: 18;
        border: none;
        padding: 0;
        background: $surface;
    }
    PickerModal .form-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel"),
    ]

    def __init__(
        self,
        title: str,
        options: Sequence[tuple[V, str]],
        *,
        current: V | None = None,
        hint: str = "↑↓ choose · Enter pick · Esc cancel",
    ) -> None:
        super().__init__()
        self.picker_title = title
        self.values = [value for value, _label in options]
        self.labels = [label for _value, label in options]
        self.current = current
        self.hint = hint

    def compose(self) -> ComposeResult:
        with self.box("picker-box") as box:
            box.border_title = self.picker_title
            yield OptionList(
                *[Option(label, id=f"opt-{index}") for index, label in enumerate(self.labels)],
                id="picker-options",
            )
            yield Static(self.hint, classes="form-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current is not None and self.current in self.values:
            options.highlighted = self.values.index(self.current)
        else:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.values[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class IssueDraft:
    """What the new-issue form gives back."""

    title: str
    priority: Priority
    category: IssueCategory
    site_id: str | None
    description: str


class NewIssueForm(BoxModal[IssueDraft | None]):
    """Open a hypercare issue: title (required), priority, category, site, description."""

    DEFAULT_CSS = """
    NewIssueForm > #issue-form {
        width: 78;
    }
    NewIssueForm Label {
        width: 10;
        color: $text-muted;
    }
    NewIssueForm .form-row {
        height: 1;
        margin-bottom: 1;
    }
    NewIssueForm Input {
        width: 1fr;
        background: $boost;
    }
    NewIssueForm Input:focus {
        background: $primary 25%;
    }
    NewIssueForm Select {
        width: 1fr;
    }
    NewIssueForm Select > SelectCurrent {
        background: $boost;
    }
    NewIssueForm #issue-description {
        height: 4;
        width: 1fr;
        background: $boost;
    }
    NewIssueForm #issue-description:focus {
        background: $primary 25%;
    }
    NewIssueForm #issue-description-row {
        height: 4;
    }
    NewIssueForm #issue-form-error {
        color: $text-error;
        height: auto;
    }
    NewIssueForm #issue-form-buttons {
        height: 1;
        align-horizontal: right;
        margin-top: 1;
    }
    NewIssueForm Button {
        margin-left: 2;
    }
    NewIssueForm .form-hint {
        color: $text-muted;
        width: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="issue_form.cancel"),
        Binding("ctrl+s", "submit", "Open issue", id="issue_form.submit"),
    ]

    def __init__(
        self,
        sites: Sequence[tuple[str, str]],
        *,
        title: str = "",
        priority: Priority = Priority.P3,
        category: IssueCategory = IssueCategory.OTHER,
        site_id: str | None = None,
        description: str = "",
    ) -> None:
        super().__init__()
        self.sites = list(sites)
        self.initial: dict[str, Any] = {
            "title": title, "priority": priority, "category": category,
            "site_id": site_id, "description": description,
        }

    def compose(self) -> ComposeResult:
        initial = self.initial
        with self.box("issue-form") as box:
            box.border_title = "New issue"
            with Horizontal(classes="form-row"):
                yield Label("Title")
                yield TextField(initial["title"], placeholder="What is wrong, where (required)",
                            id="issue-title", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Priority")
                yield Select(
                    [(f"{p.value} · {meaning}", p) for p, meaning in PRIORITY_MEANINGS.items()],
                    value=initial["priority"], allow_blank=False, id="issue-priority",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Label("Category")
                yield Select(
                    [(label, category) for category, label in CATEGORY_LABELS.items()],
                    value=initial["category"], allow_blank=False, id="issue-category",
                    compact=True,
                )
            with Horizontal(classes="form-row"):
                yield Label("Site")
                site_ids = {site_id for site_id, _label in self.sites}
                yield Select(
                    [(label, site_id) for site_id, label in self.sites],
                    value=initial["site_id"] if initial["site_id"] in site_ids else Select.NULL,
                    prompt="No site (project-wide)", id="issue-site", compact=True,
                )
            with Horizontal(id="issue-description-row"):
                yield Label("Details")
                yield TextBox(initial["description"], id="issue-description", compact=True)
            yield Static("", id="issue-form-error")
            with Horizontal(id="issue-form-buttons"):
                yield Static("Enter/ctrl+s opens it · Esc cancels", classes="form-hint")
                yield Button("Open issue", variant="primary", id="issue-open", compact=True)
                yield Button("Cancel", id="issue-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#issue-title", Input).focus()

    def draft(self) -> IssueDraft | None:
        """The form's values, or None (with the reason shown) if the title is missing."""
        title = self.query_one("#issue-title", Input).value.strip()
        error = self.query_one("#issue-form-error", Static)
        if not title:
            error.update("A title is required: say what is wrong and where.")
            self.query_one("#issue-title", Input).focus()
            return None
        if len(title) > 300:
            error.update(f"The title is {len(title)} characters; keep it under 300 and put "
                         "the rest in Details.")
            return None
        site = self.query_one("#issue-site", Select).value
        priority = self.query_one("#issue-priority", Select).value
        category = self.query_one("#issue-category", Select).value
        return IssueDraft(
            title=title,
            priority=Priority(str(priority)),
            category=IssueCategory(str(category)),
            site_id=None if site is Select.NULL else str(site),
            description=self.query_one("#issue-description", TextArea).text.strip(),
        )

    def action_submit(self) -> None:
        draft = self.draft()
        if draft is not None:
            self.dismiss(draft)

    @on(Input.Submitted, "#issue-title")
    def _title_entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    @on(Button.Pressed, "#issue-open")
    def _open_pressed(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#issue-cancel")
    def _cancel_pressed(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)



@dataclass(frozen=True)
class FormField:
    """One field of a :class:`RecordForm`: what it edits, how it is entered, its start value.

    ``kind`` is ``text`` (a line), ``long`` (a few lines), ``choice`` (one of ``choices``;
    with ``blank`` set, none may be chosen, which gives ""), ``time`` (a date and time
    typed in the form's zone; empty gives None) or ``people`` (any of ``choices``).
    """

    name: str
    label: str
    kind: str = "text"
    value: Any = None
    choices: Sequence[tuple[Any, str]] = ()
    required: bool = False
    placeholder: str = ""
    blank: str = ""
    #: a line typed unseen (a PIN): shown as dots
    secret: bool = False


class RecordForm(BoxModal[dict[str, Any] | None]):
    """Add or edit a record: one row per field, ctrl+s (or Enter in a line) saves, Esc
    cancels. A value that cannot be read (a date typed wrong, a required field left empty),
    or that ``check`` (the domain's word on the values) refuses, is said in place and the
    form stays open with everything typed."""

    DEFAULT_CSS = """
    RecordForm > #record-form {
        width: 84;
    }
    RecordForm #record-fields {
        height: auto;
        max-height: 17;
    }
    RecordForm Label {
        width: 13;
        color: $text-muted;
    }
    RecordForm .form-row {
        height: 1;
    }
    RecordForm .form-row.-long {
        height: 3;
    }
    RecordForm .form-row.-people {
        height: 5;
    }
    RecordForm Input, RecordForm TextArea, RecordForm SelectionList {
        width: 1fr;
        background: $boost;
    }
    RecordForm Input:focus, RecordForm TextArea:focus, RecordForm SelectionList:focus {
        background: $primary 25%;
    }
    RecordForm Select {
        width: 1fr;
    }
    RecordForm Select > SelectCurrent {
        background: $boost;
    }
    RecordForm #record-form-error {
        color: $text-error;
        height: auto;
    }
    RecordForm .form-hint {
        color: $text-muted;
        height: 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="record_form.cancel"),
        Binding("ctrl+s", "submit", "Save", id="record_form.submit"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[FormField],
        *,
        zone: tzinfo,
        check: Callable[[dict[str, Any]], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.form_title = title
        self.fields = list(fields)
        self.zone = zone
        self.check = check

    def compose(self) -> ComposeResult:
        with self.box("record-form") as box:
            box.border_title = self.form_title
            with VerticalScroll(id="record-fields"):
                for spec in self.fields:
                    row_class = {"long": "form-row -long", "people": "form-row -people"}
                    with Horizontal(classes=row_class.get(spec.kind, "form-row")):
                        yield Label(spec.label)
                        yield self._input(spec)
            yield Static("", id="record-form-error")
            yield Static("ctrl+s or Enter saves · Tab next field · Esc cancels",
                         classes="form-hint")

    def _input(self, spec: FormField) -> Widget:
        wid = f"field-{spec.name}"
        if spec.kind == "long":
            return TextBox(str(spec.value or ""), id=wid, compact=True,
                           placeholder=spec.placeholder)
        if spec.kind == "choice":
            options = [(label, value) for value, label in spec.choices]
            known = {value for value, _label in spec.choices}
            if spec.blank:
                return Select(options, value=spec.value if spec.value in known else Select.NULL,
                              prompt=spec.blank, id=wid, compact=True)
            start = spec.value if spec.value in known else spec.choices[0][0]
            return Select(options, value=start, allow_blank=False, id=wid, compact=True)
        if spec.kind == "people":
            chosen = set(spec.value or ())
            return SelectionList[Any](
                *[(label, value, value in chosen) for value, label in spec.choices],
                id=wid, compact=True,
            )
        text = typed_time_text(spec.value, self.zone) if spec.kind == "time" else str(
            spec.value if spec.value is not None else "")
        placeholder = spec.placeholder or ("2026-12-09 14:30, or empty" if spec.kind == "time"
                                           else "")
        return TextField(text, placeholder=placeholder, id=wid, compact=True,
                         password=spec.secret)

    def on_mount(self) -> None:
        if self.fields:
            self.query_one(f"#field-{self.fields[0].name}").focus()

    def values(self) -> dict[str, Any] | None:
        """What the form holds, read; None (with the reason shown) when a field cannot be."""
        values: dict[str, Any] = {}
        for spec in self.fields:
            widget = self.query_one(f"#field-{spec.name}")
            value: Any
            if isinstance(widget, Select):
                value = "" if widget.value is Select.NULL else widget.value
            elif isinstance(widget, SelectionList):
                value = list(widget.selected)
            elif isinstance(widget, TextArea):
                value = widget.text.strip()
            else:
                assert isinstance(widget, Input)
                value = widget.value.strip()
                if spec.kind == "time":
                    try:
                        value = parse_typed_time(value, self.zone)
                    except ValueError as exc:
                        return self._refuse(f"{spec.label}: {exc}.", widget)
            if spec.required and value in ("", None, []):
                return self._refuse(f"{spec.label} is required.", widget)
            values[spec.name] = value
        problem = self.check(values) if self.check is not None else None
        if problem:
            return self._refuse(problem, None)
        return values

    def _refuse(self, problem: str, widget: Widget | None) -> dict[str, Any] | None:
        """Say ``problem`` in place (and go to the field at fault); the form stays open."""
        self.query_one("#record-form-error", Static).update(problem)
        if widget is not None:
            widget.focus()
        return None

    def action_submit(self) -> None:
        values = self.values()
        if values is not None:
            self.dismiss(values)

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)


def save_record(
    golive: Any, kind: EntityKind, current: dict[str, Any] | None, values: dict[str, Any],
    success: str,
) -> None:
    """Create the record a form describes, or update the fields it changed (nothing when
    none did), through the app's ``run_command``: a refusal becomes a notice."""
    from golive_tui.store.intents import SaveRecord

    changed = values if current is None else {
        k: v for k, v in values.items() if current.get(k) != v}
    if not changed:
        return
    record_id = None if current is None else str(current["id"])
    golive.run_command(SaveRecord(kind, record_id, changed), success=success)


def record_problem(
    kind: EntityKind, current: dict[str, Any] | None, values: dict[str, Any]
) -> str | None:
    """The domain's word on a form's values, before anything is saved: each field
    validated as the record's (an e-mail, a phone number, a length)."""
    # the entity classes bring sqlmodel, which the first paint does without
    from golive_tui.domain.entities import ENTITY_BASES
    from golive_tui.domain.ops import revalidate

    base = current or {name: info.get_default(call_default_factory=True)
                       for name, info in ENTITY_BASES[kind].model_fields.items()
                       if not info.is_required()}
    try:
        revalidate(kind, base, {**base, **values})
    except DomainError as exc:
        return exc.message
    return None
