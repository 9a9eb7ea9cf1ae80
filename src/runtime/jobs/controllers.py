"""A job's progress, for the person who asked for it: once (`GET /api/v1/jobs/{id}`)
or as server-sent events until it ends (`GET /api/v1/jobs/{id}/events`).

Any signed-in person may ask, and sees only their own jobs: another's, a
system job's and one that never existed are the same 404.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any, Final

from litestar import Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage

from yiwang.platform.request_state import request_state
from yiwang.policy.identity.dependencies import SESSION_STATE_KEY
from yiwang.policy.identity.sessions import Session
from yiwang.runtime.jobs.errors import JobNotFound
from yiwang.runtime.jobs.queue import JobQueue, JobStatus, owner_of
from yiwang.runtime.jobs.schemas import JobOut, job_out

SIGNED_IN = {"authenticated": True}
#: how often the event stream looks again, and for how long at most
EVENTS_POLL_SECONDS: Final = 0.5
EVENTS_MAX_SECONDS: Final = 600.0


async def _own(request: Request[Any, Any, Any], jobs: JobQueue, job_id: str) -> JobStatus:
    session = request_state(request).get(SESSION_STATE_KEY)
    found = await jobs.status(job_id[:200])
    if (
        found is None
        or not isinstance(session, Session)
        or found.owner != owner_of(session.account_id)
    ):
        raise JobNotFound("jobs.not_found")
    return found


@get("/api/v1/jobs/{job_id:str}", opt=SIGNED_IN, tags=["jobs"])
async def job_status(request: Request[Any, Any, Any], jobs: JobQueue, job_id: str) -> JobOut:
    return job_out(await _own(request, jobs, job_id))


@get("/api/v1/jobs/{job_id:str}/events", opt=SIGNED_IN, tags=["jobs"])
async def job_events(
    request: Request[Any, Any, Any], jobs: JobQueue, job_id: str
) -> ServerSentEvent:
    """`event: progress` with the job as JSON whenever it changes; the last one is sent
    when the job has ended (then the stream closes)."""
    first = await _own(request, jobs, job_id)

    async def events() -> AsyncIterator[ServerSentEventMessage]:
        current: JobStatus | None = first
        last: str | None = None
        deadline = time.monotonic() + EVENTS_MAX_SECONDS
        while current is not None:
            body = json.dumps(_plain(job_out(current)), ensure_ascii=False)
            if body != last:
                yield ServerSentEventMessage(data=body, event="progress", id=current.state)
                last = body
            if current.finished or time.monotonic() > deadline:
                return
            await asyncio.sleep(EVENTS_POLL_SECONDS)
            current = await jobs.status(job_id)

    return ServerSentEvent(events(), headers={"Cache-Control": "no-store"})


def _plain(out: JobOut) -> dict[str, Any]:
    return {f: getattr(out, f) for f in out.__struct_fields__}


ROUTES = (job_status, job_events)
