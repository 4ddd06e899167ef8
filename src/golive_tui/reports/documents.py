"""The reports a customer can receive as they are: go-live, daily hypercare, hand-off
package and closure.

Each is built once from the cache (:func:`build_report`) as a :class:`Report` of sections,
then written as self-contained HTML that prints well (inline CSS, ``@media print``), as
Markdown, and its tables as CSV. Nothing here decides anything: the gate, the hypercare
summary, the hand-off package and what closing waits for are the domain's.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

from golive_tui.domain.closure import accepted_exceptions, handoff_package, issue_owners
from golive_tui.domain.enums import LifecyclePhase, SignoffKind, StakeholderRole
from golive_tui.reports.csv_export import write_csv_to, write_new_file

if TYPE_CHECKING:
    from golive_tui.store.local import LocalStore

__all__ = ["REPORT_KINDS", "Report", "build_report", "to_csv", "to_html", "to_markdown"]

REPORT_KINDS = ("go-live", "hypercare", "handoff", "closure")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)
    table: Table | None = None


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    sections: list[Section]

    @property
    def tables(self) -> list[Table]:
        return [s.table for s in self.sections if s.table is not None]


def _when(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else f"{value.astimezone(zone):%Y-%m-%d %H:%M %Z}"


def _table(name: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> Table:
    return Table(name, tuple(columns), tuple(tuple("" if v is None else str(v) for v in r)
                                             for r in rows))


def build_report(kind: str, store: LocalStore, *, now: datetime, day: date | None = None
                 ) -> Report:
    """The report of ``kind`` (one of :data:`REPORT_KINDS`) as the cache holds it at ``now``."""
    project = store.project()
    if project is None:
        raise ValueError("The cache holds no project yet.")
    zone = ZoneInfo(project.time_zone)
    subtitle = (f"{project.name} · phase: {LifecyclePhase(project.phase).label} · "
                f"as of {_when(now, zone)}")
    builders = {"go-live": _go_live, "hypercare": _hypercare, "handoff": _handoff,
                "closure": _closure}
    if kind not in builders:
        raise ValueError(f"No report {kind!r}; one of: {', '.join(REPORT_KINDS)}.")
    title, sections = builders[kind](store, zone, now, day)
    return Report(kind, f"{title} – {project.customer}", subtitle, sections)


def _go_live(store: LocalStore, zone: ZoneInfo, now: datetime, day: date | None
             ) -> tuple[str, list[Section]]:
    sections = []
    waves = store.cutovers()
    rows = []
    for wave in waves:
        gate = store.gate(wave.id, now)
        rows.append((wave.name, _when(wave.starts_at, zone), str(wave.state),
                     "GO" if gate.ready else f"NO-GO ({len(gate.unmet)} unmet)"))
    sections.append(Section("Cutover waves and their gates",
                            table=_table("waves", ("Wave", "Starts", "State", "Gate"), rows)))
    current = store.gate(None, now)
    sections.append(Section(
        f"Unmet conditions of the current wave ({current.cutover_name or 'project'})",
        lines=[str(u) for u in current.unmet] or ["None: the gate is GO."]))
    orders = store.orders()
    sections.append(Section("Port orders", table=_table(
        "port_orders", ("PON", "Carrier", "State", "Confirmed FOC", "Activated"),
        [(o.pon, o.carrier, str(o.status), _when(o.confirmed_foc, zone),
          _when(o.activated_at, zone)) for o in orders])))
    decisions = store.decisions()
    sections.append(Section("Go / no-go calls", table=_table(
        "decisions", ("When", "Call", "By", "Override", "Reason"),
        [(_when(d.at, zone), str(d.decision), d.by, "yes" if d.override else "", d.reason)
         for d in decisions])))
    cosigns = [s for s in store.signoffs() if str(s.signoff_kind) == SignoffKind.GO_LIVE_COSIGN]
    names = {w.id: w.name for w in waves}
    sections.append(Section("Customer co-signs", table=_table(
        "cosigns", ("Wave", "By", "When", "Note"),
        [(names.get(s.cutover_id or "", ""), s.by, _when(s.at, zone), s.note)
         for s in cosigns])))
    return "Go-live report", sections


def _hypercare(store: LocalStore, zone: ZoneInfo, now: datetime, day: date | None
               ) -> tuple[str, list[Section]]:
    the_day = day or now.astimezone(zone).date()
    summary = store.hypercare_day(the_day, now)
    sections = [Section("Summary", lines=[
        f"Day: {the_day:%A %d %B %Y} ({zone.key})",
        f"New issues: {len(summary.new_issues)}",
        f"Resolved issues: {len(summary.resolved_issues)}",
        f"Issues in breach of their SLA: {len(summary.breached_issues)}",
        f"Ports completed: {len(summary.ports_completed)}",
        f"Open actions: {len(summary.open_actions)}",
    ])]
    columns = ("Ref", "Priority", "State", "Title")
    for heading, name, issues in (("New issues", "new_issues", summary.new_issues),
                                  ("Resolved issues", "resolved_issues",
                                   summary.resolved_issues),
                                  ("Issues in breach of their SLA", "breached_issues",
                                   summary.breached_issues)):
        sections.append(Section(heading, table=_table(
            name, columns, [(i.ref, str(i.priority), str(i.state), i.title) for i in issues])))
    sections.append(Section("Ports completed", table=_table(
        "ports_completed", ("PON", "Carrier", "Activated"),
        [(o.pon, o.carrier, _when(o.activated_at, zone)) for o in summary.ports_completed])))
    sections.append(Section("Open actions", table=_table(
        "open_actions", ("Due", "Action"),
        [(_when(a.due_at, zone), a.title) for a in summary.open_actions])))
    people = {p.id: p.name for p in store.stakeholders()}
    sections.append(Section("Adoption and training gaps", table=_table(
        "adoption_gaps", ("Site or group", "Topic", "Owner", "Follow-up", "Due", "Status"),
        [(g.site_or_group, g.topic, people.get(g.owner, g.owner), g.follow_up, _when(g.due_at, zone),
          str(g.status) if g.withdrawn_at is None else f"withdrawn: {g.withdraw_reason}")
         for g in store.adoption_gaps()])))
    return "Daily hypercare report", sections


def _handoff(store: LocalStore, zone: ZoneInfo, now: datetime, day: date | None
             ) -> tuple[str, list[Section]]:
    handoffs = store.handoffs()
    signoffs = [s.model_dump() for s in store.signoffs()]
    if handoffs:
        package = handoffs[-1].model_dump()
        owners = issue_owners([h.model_dump() for h in handoffs], signoffs)
        ack = [s for s in signoffs if str(s["signoff_kind"]) == SignoffKind.HANDOFF_ACK]
        status = (f"Handed off by {package['by']} on {_when(package['at'], zone)}; "
                  + (f"acknowledged by {ack[-1]['by']} on {_when(ack[-1]['at'], zone)}."
                     if ack else "awaiting support's acknowledgement."))
    else:
        package = handoff_package(
            [i.model_dump() for i in store.issues()], signoffs,
            [p.model_dump() for p in store.stakeholders()], as_built="",
            default_owner="IPM")
        owners = {}
        status = "Draft: not handed off yet (the open issues as they stand now)."
    issues = package["open_issues"]
    return "Hand-off package", [
        Section("Status", lines=[status]),
        Section("Open issues and their owners", table=_table(
            "open_issues", ("Ref", "Priority", "Title", "Owner"),
            [(e.get("ref"), e.get("priority", ""), e.get("title"),
              owners.get(str(e.get("issue_id")), e.get("owner"))) for e in issues])),
        # an acceptance signed after the hand-off still reaches support
        Section("Accepted exceptions", lines=accepted_exceptions(
            signoffs, package["exceptions"]) or ["None."]),
        Section("Contacts", table=_table(
            "contacts", ("Name", "Role", "E-mail", "Phone"),
            [(c.get("name"), c.get("role"), c.get("email"), c.get("phone"))
             for c in package["contacts"]])),
        Section("As built", lines=[package["as_built"] or "Not written yet."]),
    ]


def _closure(store: LocalStore, zone: ZoneInfo, now: datetime, day: date | None
             ) -> tuple[str, list[Section]]:
    project = store.project()
    assert project is not None
    signoffs = store.signoffs()
    accepted = [s for s in signoffs if str(s.signoff_kind) == SignoffKind.ACCEPTANCE]
    feedback = store.feedback()
    gaps = store.closure_gaps()
    if project.closed_at is not None:
        state = f"Closed on {_when(project.closed_at, zone)} by {project.closed_by}."
        if project.close_reason:
            state += f" Reason: {project.close_reason}"
    else:
        state = "Open. " + ("Closing waits for: " + "; ".join(gaps) + "." if gaps
                            else "Ready to close.")
    lines = [state]
    if project.reopened_at is not None:
        lines.append(f"Reopened on {_when(project.reopened_at, zone)} by "
                     f"{project.reopened_by}: {project.reopen_reason}")
    calls = store.final_calls()
    # attendees are stakeholders (a name typed before they were is kept as it was)
    names = {p.id: f"{p.name} ({StakeholderRole(p.role).label})" for p in store.stakeholders()}
    final = (Section("Final call", lines=[
        f"Held {_when(calls[-1].held_at, zone)} with "
        f"{', '.join(names.get(a, a) for a in calls[-1].attendees)}",
        f"Performance and access tuning: {calls[-1].tuning or 'none'}",
        f"Open items: {calls[-1].open_items or 'none'}",
        f"Training and adoption review: {calls[-1].adoption_review or 'none'}",
    ]) if calls else Section("Final call", lines=["Not held yet."]))
    return "Closure report", [
        Section("Project", lines=lines),
        final,
        Section("Acceptance", table=_table(
            "acceptance", ("By", "When", "Exceptions accepted"),
            [(s.by, _when(s.at, zone), "; ".join(s.exceptions)) for s in accepted])),
        Section("Customer feedback", table=_table(
            "feedback", ("Score", "By", "When", "Comments"),
            [(f"{f.score}/5", f.by, _when(f.at, zone), f.comments) for f in feedback])),
        Section("Hand-off", lines=[
            f"{len(store.handoffs())} hand-off package(s); acknowledged by support: "
            + ("yes" if any(str(s.signoff_kind) == SignoffKind.HANDOFF_ACK for s in signoffs)
               else "no")]),
    ]


# -- writers ---------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1d232b;
       margin: 2rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
.subtitle { color: #555; margin-top: 0; }
h2 { font-size: 1.15rem; border-bottom: 2px solid #2d6cdf; padding-bottom: .2rem;
     margin-top: 1.6rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #c9d1db; padding: .3rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #eef3fb; }
tr:nth-child(even) td { background: #f8fafc; }
.empty { color: #777; font-style: italic; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  h2 { break-after: avoid; }
  table { page-break-inside: auto; }
  tr { break-inside: avoid; }
  thead { display: table-header-group; }
  th, tr:nth-child(even) td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def write_reports(store: LocalStore, directory: Path, *, now: datetime,
                  day: date | None = None) -> list[Path]:
    """Every report as HTML and Markdown, and its tables as CSV, into ``directory``
    (what the app's print key writes); files already there are replaced."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in REPORT_KINDS:
        report = build_report(kind, store, now=now, day=day)
        files = [(f"{kind}.html", to_html(report)), (f"{kind}.md", to_markdown(report))]
        files += [(f"{kind}-{t.name}.csv", to_csv(t)) for t in report.tables]
        for name, content in files:
            path = directory / name
            write_new_file(path, partial(_write, content), overwrite=True)
            written.append(path)
    return written


def _write(content: str, fh: TextIO) -> int:
    return fh.write(content)


def to_html(report: Report) -> str:
    """One self-contained page: no script, no external style sheet, prints on A4 or Letter."""
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{e(report.title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
           f"<h1>{e(report.title)}</h1>", f'<p class="subtitle">{e(report.subtitle)}</p>']
    for section in report.sections:
        out.append(f"<h2>{e(section.heading)}</h2>")
        if len(section.lines) > 1:
            out.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in section.lines)
                       + "</ul>")
        else:
            out.extend(f"<p>{e(line)}</p>" for line in section.lines)
        table = section.table
        if table is not None:
            if not table.rows:
                out.append('<p class="empty">None.</p>')
                continue
            out.append("<table><thead><tr>"
                       + "".join(f"<th>{e(c)}</th>" for c in table.columns)
                       + "</tr></thead><tbody>")
            out.extend("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>"
                       for row in table.rows)
            out.append("</tbody></table>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _md(value: str) -> str:
    return re.sub(r"([|\\`*_])", r"\\\1", value).replace("\n", " ")


def to_markdown(report: Report) -> str:
    out = [f"# {_md(report.title)}", "", f"_{_md(report.subtitle)}_", ""]
    for section in report.sections:
        out += [f"## {_md(section.heading)}", ""]
        bullet = "- " if len(section.lines) > 1 else ""
        out += [f"{bullet}{_md(line)}" for line in section.lines]
        if section.lines:
            out.append("")
        table = section.table
        if table is not None:
            if not table.rows:
                out += ["_None._", ""]
                continue
            out.append("| " + " | ".join(_md(c) for c in table.columns) + " |")
            out.append("|" + "---|" * len(table.columns))
            out += ["| " + " | ".join(_md(v) for v in row) + " |" for row in table.rows]
            out.append("")
    return "\n".join(out)


def to_csv(table: Table) -> str:
    """One table as CSV, each cell safe to open in a spreadsheet."""
    buffer = io.StringIO(newline="")
    write_csv_to(buffer, table.columns, table.rows)
    return buffer.getvalue()
