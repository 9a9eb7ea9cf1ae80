"""Job settings, read once from the environment beside the platform's.

    YIWANG_JOBS              "queue": the web server enqueues, `yiwang worker` runs (default);
                             "in_process": the web server also runs a worker (litestar-saq's
                             in-process mode: one command, for small installations and tests);
                             "inline": no queue, each job runs at once where it is asked for
                             (tests without Redis)
    YIWANG_JOBS_QUEUE        the queue's name in Redis (default "yiwang")
    YIWANG_JOBS_CONCURRENCY  jobs one worker runs at once (default 4)

The queue lives in Redis (`REDIS_URL`), which `make run` starts. When Redis
cannot be reached, a job asked for by the web server runs inline instead:
slower, never lost.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from yiwang.platform.settings import Settings
from yiwang.runtime.jobs.errors import JobSettingsInvalid

MODES: Final = ("queue", "in_process", "inline")
_NAME: Final = re.compile(r"^[a-z][a-z0-9_-]{0,40}$")


@dataclass(frozen=True)
class JobSettings:
    redis_url: str = "redis://127.0.0.1:63799/0"
    mode: str = "queue"
    queue_name: str = "yiwang"
    concurrency: int = 4

    @classmethod
    def from_env(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> JobSettings:
        env = os.environ if environ is None else environ
        concurrency = env.get("YIWANG_JOBS_CONCURRENCY") or str(cls.concurrency)
        if not concurrency.isdigit() or not 1 <= int(concurrency) <= 256:
            raise JobSettingsInvalid(
                "jobs.settings_invalid", detail=f"YIWANG_JOBS_CONCURRENCY={concurrency[:20]}"
            )
        found = cls(
            redis_url=settings.redis_url,
            mode=env.get("YIWANG_JOBS") or cls.mode,
            queue_name=env.get("YIWANG_JOBS_QUEUE") or cls.queue_name,
            concurrency=int(concurrency),
        )
        found.check()
        return found

    def check(self) -> None:
        if self.mode not in MODES:
            raise JobSettingsInvalid(
                "jobs.settings_invalid", detail=f"YIWANG_JOBS={self.mode[:20]}"
            )
        if not _NAME.match(self.queue_name):
            raise JobSettingsInvalid(
                "jobs.settings_invalid", detail=f"YIWANG_JOBS_QUEUE={self.queue_name[:40]}"
            )
