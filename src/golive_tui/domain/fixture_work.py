"""A fixture's go-live work read into validated records: the checklist (its dependencies
checked for cycles), verifications, issues and their notes, decisions and sign-offs.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any

from golive_tui.domain.enums import (
    ChecklistStatus,
    EntityKind,
    HoldReason,
    IssueState,
    Role,
    SignoffKind,
)
from golive_tui.domain.fixture_network import FixtureNetwork
from golive_tui.domain.fixture_values import (
    Record,
    text_of,
)
from golive_tui.domain.ops import issue_ref
from golive_tui.domain.test_plan import TEST_CASES


class FixtureWork(FixtureNetwork):
    """The work on the network: checklist, tests, issues, decisions and sign-offs."""

    def checklist(self, section: Sequence[Mapping[str, Any]]) -> None:
        keys: list[str] = []
        for index, raw in enumerate(section):
            key = raw.get("key")
            if not isinstance(key, str) or not key.strip():
                raise self.fail(f"checklist[{index}]", "needs a 'key'")
            if key.strip() in self.checklist_ids:
                raise self.fail(f"checklist[{index}] ({key})", f"key {key} is used twice")
            self.checklist_ids[key.strip()] = self.id_for(EntityKind.CHECKLIST_ITEM, key.strip())
            keys.append(key.strip())
        graph: dict[str, list[str]] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = keys[index]
            fields["key"] = key
            where = f"checklist[{index}] ({key})"
            predecessors = fields.get("predecessors", [])
            if not isinstance(predecessors, list):
                raise self.fail(where, "predecessors must be a list of checklist keys")
            for pred in predecessors:
                if pred not in self.checklist_ids:
                    raise self.fail(where, f"unknown predecessor {text_of(pred)}")
                if pred == key:
                    raise self.fail(where, "an item cannot be its own predecessor")
            graph[key] = list(predecessors)
            fields["predecessors"] = [self.checklist_ids[p] for p in predecessors]
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
            self.times(EntityKind.CHECKLIST_ITEM, fields, where)
            self.people(EntityKind.CHECKLIST_ITEM, fields, where)
            fields.setdefault("sort_order", (index + 1) * 10)
            status = fields.get("status", ChecklistStatus.TODO)
            if status == ChecklistStatus.DONE:
                fields.setdefault("done_at", fields.get("due_at"))
                fields.setdefault("done_by", fields.get("assignee", ""))
            comment = str(fields.get("skip_comment", "")).strip()
            if status == ChecklistStatus.SKIPPED and not comment:
                raise self.fail(where, "a skipped item needs a skip_comment saying why")
            self.finish(EntityKind.CHECKLIST_ITEM, key, where, fields)
        cycle = _find_cycle(graph)
        if cycle:
            raise self.fail("checklist", f"predecessors form a cycle: {' -> '.join(cycle)}")
        # a document holds what the rules would have let happen: done after its predecessors
        status_of = {
            key: ChecklistStatus(raw.get("status", ChecklistStatus.TODO))
            for key, raw in zip(keys, section, strict=True)
        }
        for index, key in enumerate(keys):
            if status_of[key] is not ChecklistStatus.DONE:
                continue
            still_open = [
                pred for pred in graph[key]
                if status_of[pred] not in (ChecklistStatus.DONE, ChecklistStatus.SKIPPED)
            ]
            if still_open:
                raise self.fail(
                    f"checklist[{index}] ({key})",
                    f"is done while its predecessor {', '.join(still_open)} is open; "
                    "an item is done only after what it waits for (or that is skipped)",
                )

    def verifications(self, section: Sequence[Mapping[str, Any]]) -> None:
        seen: set[str] = set()
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = fields.pop("key", None)
            code = str(fields.get("test_case", "")).upper()
            where = f"verifications[{index}] ({key or code})"
            if code not in TEST_CASES:
                raise self.fail(
                    where, f"unknown test case {code!r}; the plan has {', '.join(TEST_CASES)}"
                )
            fields["test_case"] = code
            if "location" in fields:
                ref = fields.pop("location")
                location = self.location_by_key.get(ref) if isinstance(ref, str) else None
                if location is None:
                    known = ", ".join(self.location_by_key) or "none"
                    raise self.fail(
                        where, f"unknown emergency location {text_of(ref)} (locations: {known})")
                fields["emergency_location_id"] = location["id"]
                site_code = ref.split(":", 1)[0]
                fields.setdefault("site", site_code)
            target = self._links(fields, where)
            fields.setdefault("target", target)
            if not fields.get("target"):
                raise self.fail(where, "needs a 'site', a 'number' or a 'target'")
            if fields.get("tested_at") is None:
                raise self.fail(where, "needs 'tested_at' (the log is ordered by it)")
            raw_time = text_of(fields["tested_at"])
            site_zone = self.zone_of_site(fields.get("site_id"))
            self.times(EntityKind.VERIFICATION, fields, where, site_zone)
            self.people(EntityKind.VERIFICATION, fields, where)
            natural = key or f"{code}|{fields['target']}|{raw_time}"
            if natural in seen:
                raise self.fail(where, "the same test, target and time appear twice; add a 'key'")
            seen.add(natural)
            record = self.finish(EntityKind.VERIFICATION, natural, where, fields)
            if key:
                self.verification_by_key[key] = record

    def _links(self, fields: Record, where: str) -> str:
        """Resolve 'site' and 'number' into ids; the default target they imply."""
        target = ""
        if "site" in fields:
            site = self.site(fields.pop("site"), where)
            fields["site_id"] = site["id"]
            target = str(site["code"])
        if "number" in fields:
            e164 = self.number(fields.pop("number"), where)
            number = self.number_by_e164.get(e164)
            if number is None:
                raise self.fail(where, f"{e164} is not one of the project's numbers")
            fields["number_id"] = number["id"]
            fields.setdefault("site_id", number["site_id"])
            target = e164
        return target

    def issues(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "key", f"issues[{index}]")
            where = f"issues[{index}] ({key})"
            if key in self.issue_by_key:
                raise self.fail(where, f"issue key {key} is used twice")
            self._links(fields, where)
            if "verification" in fields:
                ref = fields.pop("verification")
                verification = self.verification_by_key.get(str(ref))
                if verification is None:
                    raise self.fail(where, f"unknown verification key {text_of(ref)}")
                fields["verification_id"] = verification["id"]
                fields.setdefault("site_id", verification["site_id"])
            self.times(EntityKind.ISSUE, fields, where, self.zone_of_site(fields.get("site_id")))
            self.people(EntityKind.ISSUE, fields, where)
            self._check_issue(fields, where)
            fields["ref"] = issue_ref(self.id_for(EntityKind.ISSUE, key))
            self.issue_by_key[key] = self.finish(EntityKind.ISSUE, key, where, fields)

    def _check_issue(self, fields: Record, where: str) -> None:
        state = IssueState(fields.get("state", IssueState.NEW))
        if fields.get("opened_at") is None:
            raise self.fail(where, "needs 'opened_at'")
        needs: list[str] = []
        if state not in (IssueState.NEW, IssueState.CANCELLED):
            needs.append("responded_at")
        if state is IssueState.ON_HOLD:
            needs += ["on_hold_since", "hold_reason"]
        if state in (IssueState.RESOLVED, IssueState.CLOSED):
            needs += ["resolved_at", "resolution"]
        if state in (IssueState.CLOSED, IssueState.CANCELLED):
            needs.append("closed_at")
        missing = [name for name in needs if not fields.get(name)]
        if missing:
            raise self.fail(where, f"a {state.value} issue needs {', '.join(missing)}")
        reason = fields.get("hold_reason")
        if reason and reason not in {r.value for r in HoldReason}:
            raise self.fail(where, f"hold_reason must be one of {', '.join(HoldReason)}")
        order = ("opened_at", "responded_at", "resolved_at", "closed_at")
        stamps = [(name, fields[name]) for name in order if fields.get(name) is not None]
        for (first, a), (second, b) in pairwise(stamps):
            if b < a:
                raise self.fail(where, f"{second} is before {first}")

    def issue_notes(self, section: Sequence[Mapping[str, Any]]) -> None:
        per_issue: dict[str, int] = {}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = self.natural(fields, "issue", f"issue_notes[{index}]")
            where = f"issue_notes[{index}] (on {key})"
            issue = self.issue_by_key.get(key)
            if issue is None:
                raise self.fail(where, f"unknown issue key {key}")
            fields["issue_id"] = issue["id"]
            per_issue[key] = per_issue.get(key, 0) + 1
            self.times(EntityKind.ISSUE_NOTE, fields, where, self.zone_of_site(issue["site_id"]))
            self.people(EntityKind.ISSUE_NOTE, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.ISSUE_NOTE, f"{key}|{per_issue[key]}", where, fields)

    def decisions(self, section: Sequence[Mapping[str, Any]]) -> None:
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = str(fields.pop("key", index + 1))
            where = f"decisions[{index}] ({key})"
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
            self.times(EntityKind.DECISION, fields, where)
            self.people(EntityKind.DECISION, fields, where)
            if fields.get("at") is None:
                raise self.fail(where, "needs 'at'")
            self.finish(EntityKind.DECISION, key, where, fields)

    def signoffs(self, section: Sequence[Mapping[str, Any]]) -> None:
        roles = {m["user"]: m["role"] for m in self.records[EntityKind.MEMBER]}
        for index, raw in enumerate(section):
            fields = dict(raw)
            key = str(fields.pop("key", index + 1))
            where = f"signoffs[{index}] ({key})"
            kind = fields.pop("kind", None)
            try:
                fields["signoff_kind"] = SignoffKind(kind)
            except ValueError:
                raise self.fail(
                    where, f"kind {text_of(kind)} is not one of {', '.join(SignoffKind)}"
                ) from None
            if "cutover" in fields:
                fields["cutover_id"] = self.cutover(fields.pop("cutover"), where)["id"]
            self.times(EntityKind.SIGNOFF, fields, where)
            self.people(EntityKind.SIGNOFF, fields, where)
            if fields.get("at") is None or not fields.get("by"):
                raise self.fail(where, "needs 'by' and 'at'")
            fields.setdefault("role", roles.get(fields["by"], Role.VIEWER))
            self.finish(EntityKind.SIGNOFF, key, where, fields)


def _find_cycle(graph: Mapping[str, Sequence[str]]) -> list[str]:
    """A cycle in ``item -> predecessors`` as a list of keys, or [] if there is none."""
    done: set[str] = set()
    for start in graph:
        if start in done:
            continue
        path: list[str] = []
        on_path: set[str] = set()
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(graph.get(start, ())))]
        path.append(start)
        on_path.add(start)
        while stack:
            node, preds = stack[-1]
            for pred in preds:
                if pred in on_path:
                    return [*path[path.index(pred) :], pred]
                if pred not in done:
                    stack.append((pred, iter(graph.get(pred, ()))))
                    path.append(pred)
                    on_path.add(pred)
                    break
            else:
                stack.pop()
                path.pop()
                on_path.discard(node)
                done.add(node)
    return []
