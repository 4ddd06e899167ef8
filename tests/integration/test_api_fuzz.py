"""A schema-driven fuzz of the server API finds no 5xx, as the architecture requires.

schemathesis reads ``/openapi.json`` from a real server (SQLite, the demo project) and, for
every operation, sends the schema's edge cases (its coverage phase: boundaries, missing and
wrongly typed values, other methods) and then random valid and invalid requests (its
fuzzing phase). Every answer must:

- not be a server error (status 5xx);
- when it is an error, have the documented shape ``{"error": {"code", "message", "details"}}``;
- conform to the schema: a documented status, content type and body (each SSE event too);
- when it is a success on a secured operation, have been asked for with a real token, of a
  member of the project for the project's operations.

Requests are made to reach the handlers, not only the routing: the coverage phase sends
the IPM's token to the real project; the fuzzing phase draws who asks (the IPM, another
member, a member of another project only, no token, a forged token), which project (the
real one, another one, whatever the schema allows) and the protocol header (``1``, none,
whatever the schema allows). A value a negative case violates on purpose is kept as drawn.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict
from schemathesis import Case, HookContext, Response
from schemathesis.core.errors import InvalidSchema
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Err, Ok
from schemathesis.generation.meta import TestPhase, negated_parameters
from schemathesis.schemas import APIOperation

from golive_tui.domain.wire import PROTOCOL_HEADER, PROTOCOL_VERSION
from tests.conftest import ServerUnderTest

#: requests each operation gets in the fuzzing phase, after the coverage phase's own
FUZZ_EXAMPLES = 40
#: the event stream never ends by itself: schemathesis reads it until its first event
#: (which comes at once when Last-Event-ID is behind the project) or until it has been
#: quiet this long, so that each request to it costs at most about this much; an answer
#: that is slower than this to begin is asked for again (a busy machine, not a failure)
EVENTS_READ_SECONDS = 0.25
EVENTS_RETRIES = 2
#: the stream's few parameters need fewer requests, each of which may wait as above
EVENTS_FUZZ_EXAMPLES = 25
EVENTS_PATH = "/v1/projects/{pid}/events"

#: who asks, in the fuzzing phase: a user of the demo project, "outsider" (the IPM of
#: another project only), no token at all, or a token no one was issued
CALLERS = ("ipm", "ipm", "ipm", "engineer", "viewer", "outsider", None, "forged")
#: which project: the demo project, the outsider's, or the value the schema's fuzz drew
PROJECTS = ("demo", "demo", "demo", "other", "drawn")
#: the protocol header: this server's version, none, or the value the schema's fuzz drew
PROTOCOLS = (str(PROTOCOL_VERSION), None, "drawn")


@dataclass
class Fuzz:
    """The server under the fuzz, what the fuzz may send it, and what it answered."""

    url: str
    project_id: str
    other_project_id: str
    tokens: dict[str, str]
    #: operation label -> how many times it answered each status
    answered: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    #: whether an answer failed a check (then the fuzz stops early, and says why)
    found_problems: bool = False

    def members(self, project_id: str) -> set[str]:
        if project_id == self.project_id:
            return {user for user in self.tokens if user != "outsider"}
        if project_id == self.other_project_id:
            return {"outsider"}
        return set()

    def caller(self, response: Response) -> str | None:
        """The user whose token the request carried, if it carried a real one."""
        scheme, _, token = str(response.request.headers.get("Authorization", "")).partition(" ")
        if scheme.lower() != "bearer":
            return None
        return next((user for user, known in self.tokens.items() if known == token.strip()), None)

    # ------------------------------------------------------------------ checks

    def error_in_documented_shape(self, ctx: Any, response: Response, case: Case[Any]) -> None:
        """Every error is ``{"error": {"code", "message", "details"}}``, whatever raised it."""
        if response.status_code < 400:
            return
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), (
            f"{response.status_code} answered as {content_type!r}, not JSON: {response.text[:200]}"
        )
        body = response.json()
        assert isinstance(body, dict) and set(body) == {"error"}, body
        error = body["error"]
        assert isinstance(error, dict) and set(error) == {"code", "message", "details"}, body
        assert isinstance(error["code"], str) and error["code"], body
        assert isinstance(error["message"], str) and error["message"], body
        assert isinstance(error["details"], dict), body

    def only_members_get_through(self, ctx: Any, response: Response, case: Case[Any]) -> None:
        """A success on a secured operation needs a real token, of a member for a project."""
        secured = case.operation.definition.raw.get("security")
        if not secured or not 200 <= response.status_code < 300:
            return
        caller = self.caller(response)
        assert caller is not None, (
            f"{case.operation.label} answered {response.status_code} without a valid token"
        )
        project_id = (case.path_parameters or {}).get("pid")
        if project_id is not None:
            assert caller in self.members(str(project_id)), (
                f"{case.operation.label} answered {response.status_code} to {caller}, "
                f"who is not a member of project {project_id!r}"
            )

    # ------------------------------------------------------------------ hooks

    def coverage_case(self, case: Case[Any]) -> Case[Any]:
        """The coverage phase asks about the demo project (with the IPM's token, from the
        config), so that its edge cases reach the handlers."""
        if (
            case.meta is not None and case.meta.phase.name is TestPhase.COVERAGE
            and case.path_parameters and _free(case, ParameterLocation.PATH, "pid")
        ):
            case.path_parameters = {**case.path_parameters, "pid": self.project_id}
        return case

    def fuzzed_case(self, case: Case[Any]) -> st.SearchStrategy[Case[Any]]:
        """The fuzzing phase draws who asks, which project and the protocol header."""
        pid_free = bool(case.path_parameters) and _free(case, ParameterLocation.PATH, "pid")
        auth_free = _free(case, ParameterLocation.HEADER, "Authorization")
        protocol_free = _free(case, ParameterLocation.HEADER, PROTOCOL_HEADER)

        def aim(choice: tuple[str | None, str, str | None]) -> Case[Any]:
            caller, project, protocol = choice
            if pid_free and project != "drawn":
                pid = self.project_id if project == "demo" else self.other_project_id
                case.path_parameters = {**(case.path_parameters or {}), "pid": pid}
            headers = dict(case.headers or {})
            if auth_free:
                headers.pop("Authorization", None)
                if caller is not None:
                    token = self.tokens.get(caller, "forged-token-nobody-was-issued")
                    headers["Authorization"] = f"Bearer {token}"
            if protocol_free and protocol != "drawn":
                headers.pop(PROTOCOL_HEADER, None)
                if protocol is not None:
                    headers[PROTOCOL_HEADER] = protocol
            case.headers = CaseInsensitiveDict(headers)
            return case

        return st.tuples(
            st.sampled_from(CALLERS), st.sampled_from(PROJECTS), st.sampled_from(PROTOCOLS)
        ).map(aim)


def _free(case: Case[Any], location: ParameterLocation, name: str) -> bool:
    """Whether the test may set this parameter: not when a negative case's violation is (or
    may be) in it."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(location):
        return True
    negated = {(str(n).lower(), where) for n, where in negated_parameters(meta)}
    return bool(negated) and (name.lower(), location) not in negated


@pytest.fixture
def fuzz(sqlite_server: ServerUnderTest) -> Fuzz:
    return Fuzz(
        url=sqlite_server.url,
        project_id=sqlite_server.project_id,
        other_project_id=sqlite_server.other_project_id,
        tokens=dict(sqlite_server.tokens),
    )


@pytest.fixture
def api_schema(fuzz: Fuzz) -> Iterator[schemathesis.BaseSchema]:
    """The live server's schema, set up for the fuzz; afterwards, checks that the fuzz
    reached every handler and was refused without a token by every secured operation."""
    config = schemathesis.Config.from_dict({
        "generation": {
            "mode": "all",
            "max-examples": FUZZ_EXAMPLES,
            # Unknown headers and query parameters are ignored, as HTTP servers do, so a
            # request with one more is not an invalid request.
            "allow-extra-parameters": False,
        },
        "auth": {"openapi": {"HTTPBearer": {"bearer": fuzz.tokens["ipm"]}}},
        "checks": {
            # What the API answers to a valid request: also 410 (a cursor the feed no
            # longer keeps) and 413 (a body over the limit).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "404", "409", "410", "413"],
            },
            # The server validates with pydantic's lax mode, which on purpose accepts what
            # the schema's strict types leave out (a unix time for a date-time, "5" for an
            # integer), so "invalid data accepted" is no defect here; whatever such a request
            # gets must still be no 5xx and an error in the documented shape.
            "negative_data_rejection": {"enabled": False},
        },
        "request-timeout": 10,
        "operations": [
            {"include-path": EVENTS_PATH, "request-timeout": EVENTS_READ_SECONDS,
             "request-retries": EVENTS_RETRIES, "max-stream-events": 1,
             "generation": {"max-examples": EVENTS_FUZZ_EXAMPLES}},
        ],
    })
    schema = schemathesis.openapi.from_url(f"{fuzz.url}/openapi.json", config=config)

    @schema.hook
    def map_case(context: HookContext, case: Case[Any]) -> Case[Any]:
        return fuzz.coverage_case(case)

    @schema.hook
    def flatmap_case(context: HookContext, case: Case[Any]) -> st.SearchStrategy[Case[Any]]:
        return fuzz.fuzzed_case(case)

    yield schema

    if fuzz.found_problems:
        return
    operations = [_operation(result) for result in schema.get_all_operations()]
    unreached = [
        op.label for op in operations if not any(200 <= s < 300 for s in fuzz.answered[op.label])
    ]
    assert not unreached, f"the fuzz never reached the handler of {unreached}: {fuzz.answered}"
    never_refused = [
        op.label for op in operations
        if op.definition.raw.get("security") and 401 not in fuzz.answered[op.label]
    ]
    assert not never_refused, f"these never refused a caller without a token: {never_refused}"


def _operation(result: Ok[APIOperation[Any, Any, Any, Any]] | Err[InvalidSchema],
               ) -> APIOperation[Any, Any, Any, Any]:
    assert isinstance(result, Ok), f"an operation the schema does not describe validly: {result}"
    return result.ok()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None)  # each example is a request over a socket; the counts are in the config
def test_api_fuzz_finds_no_server_error(case: Case[Any], fuzz: Fuzz) -> None:
    response = case.call()
    fuzz.answered[case.operation.label][response.status_code] += 1
    try:
        case.validate_response(
            response,
            additional_checks=[fuzz.error_in_documented_shape, fuzz.only_members_get_through],
        )
    except BaseException:
        fuzz.found_problems = True
        raise
