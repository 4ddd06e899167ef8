"""``golive web``'s sign-ins: a random key per browser, forgotten when unused too long."""

from __future__ import annotations

import pytest

from golive_tui.app.web import BrowserSessions, bind_refusal
from golive_tui.domain.wire import Me


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_sign_in_lapses_when_unused() -> None:
    clock = Clock()
    sessions = BrowserSessions(idle_seconds=60, clock=clock)
    me = Me(user="dana", display_name="Dana", projects=[])
    first = sessions.open("token-a", me, None)
    second = sessions.open("token-b", me, None)
    assert first.key != second.key and len(first.key) >= 40
    clock.now += 59
    assert sessions.get(first.key) is first  # used: its idle time starts again
    clock.now += 59
    assert sessions.get(first.key) is first
    assert sessions.get(second.key) is None  # unused for 118 s
    assert sessions.get(None) is None and sessions.get("guess") is None
    assert sessions.close(first.key) is first
    assert sessions.get(first.key) is None


def test_lapsed_sign_ins_are_forgotten_at_the_next_one() -> None:
    clock = Clock()
    sessions = BrowserSessions(idle_seconds=60, clock=clock)
    me = Me(user="dana", display_name="Dana", projects=[])
    old = sessions.open("token-a", me, None)
    clock.now += 61
    new = sessions.open("token-b", me, None)
    assert [s.key for s in sessions.all()] == [new.key]
    assert old.token not in {s.token for s in sessions.all()}


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.0.1", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_tls(host: str) -> None:
    assert bind_refusal(host, tls=False, insecure_bind=False) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "golive.example.net"])
def test_other_hosts_need_tls_or_the_flag(host: str) -> None:
    assert bind_refusal(host, tls=False, insecure_bind=False) is not None
    assert bind_refusal(host, tls=True, insecure_bind=False) is None
    assert bind_refusal(host, tls=False, insecure_bind=True) is None
