"""The transition being built: the state so far, the events emitted, and the clock.

Every handler works on one `Run`: it replaces the immutable state piece by
piece (`set`), appends events (`emit`), and the statutory clock's stops and
resumptions go through here so that each reason stops it once. `finish`
derives the status and bumps the version; nothing is returned before it, so
a refusal raised on the way leaves the caller's state untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from msgspec.structs import replace

from yiwang.runtime.routes.actions import Actor
from yiwang.runtime.routes.events import ClockEffect, Event, EventKind, Transition
from yiwang.runtime.routes.spec import RouteSpec
from yiwang.runtime.routes.state import TERMINAL, CaseState, Status


class Run:
    """One transition being built: the state so far and the events emitted."""

    def __init__(
        self,
        spec: RouteSpec,
        state: CaseState,
        actor: Actor,
        form: Mapping[str, Any],
        now: datetime,
    ) -> None:
        self.spec = spec
        self.s = state
        self.actor = actor
        self.form = form
        self.now = now
        self.events: list[Event] = []

    def set(self, **changes: Any) -> None:
        self.s = replace(self.s, **changes)

    def emit(
        self,
        kind: EventKind,
        /,
        *,
        step: str | None = None,
        task: str | None = None,
        comment: str = "",
        attachments: tuple[str, ...] = (),
        clock: ClockEffect | None = None,
        **data: Any,
    ) -> None:
        self.events.append(
            Event(
                kind=kind,
                at=self.now,
                actor=self.actor.id,
                step=step,
                task=task,
                comment=comment,
                attachments=attachments,
                clock=clock,
                data=data,
            )
        )

    def finish(self) -> Transition:
        state = replace(
            self.s, status=self._status(), version=self.s.version + 1, updated_at=self.now
        )
        return Transition(state=state, events=tuple(self.events))

    def _status(self) -> Status:
        s = self.s
        if s.status in TERMINAL or s.status == "completed":
            return s.status
        if s.supplement is not None:
            return "supplement_requested"
        if s.decision is not None:
            return "decided"
        return "in_review" if s.accepted else "submitted"

    def stop_clock(self, reason: str) -> ClockEffect | None:
        s = self.s
        if s.clock == "ended" or reason in s.clock_stops:
            return None
        self.set(clock_stops=(*s.clock_stops, reason))
        if s.clock == "running":
            self.set(clock="stopped")
            return "stopped"
        return None

    def resume_clock(self, reason: str) -> ClockEffect | None:
        s = self.s
        if reason not in s.clock_stops:
            return None
        stops = tuple(r for r in s.clock_stops if r != reason)
        self.set(clock_stops=stops)
        if not stops and s.clock == "stopped":
            self.set(clock="running")
            return "resumed"
        return None

    def end_clock(self) -> ClockEffect | None:
        if self.s.clock == "ended":
            return None
        self.set(clock="ended", clock_stops=())
        return "ended"
