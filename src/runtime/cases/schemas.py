"""The shapes at the edge of the cases room (msgspec)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec


class Application(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A citizen's application, as the records room hands it over (or a client posts it).

    `form` is the business form (业务表单) the service item names and `route` its
    approval route; `data` is the snapshot of the form data the case is judged on.
    `implementing_code` (实施编码) starts the case number; the tenant's code when absent.
    """

    service_item: str
    form: str
    route: str
    data: dict[str, Any] = {}
    record_id: int | None = None
    implementing_department: str | None = None
    implementing_code: str | None = None
    #: the service item's 实施主体 (dept_name) and credit code (dept_code): the licence issuer
    issuer_name: str | None = None
    issuer_code: str | None = None
    comment: str = ""
    attachments: tuple[str, ...] = ()


class PendingAnswer(msgspec.Struct, frozen=True):
    """The idempotent answer of the request that opens a case (an application), stored by
    the case's own statement as `body` with `case: {number, status, version}` added
    (`OpenedCase.answer`), the number filled in by that statement.

    `owner` and `key` name the `record_idempotency` row the request claimed earlier in
    the same unit of work (the records room's claim)."""

    owner: str
    key: str
    record_id: int
    status_code: int
    body: dict[str, Any]


class OpenedCase(msgspec.Struct, frozen=True):
    number: str
    status: str
    version: int

    def answer(self) -> dict[str, Any]:
        """What an answer says of its case: `{"case": {number, status, version}}`."""
        return {"case": {"number": self.number, "status": self.status, "version": self.version}}


class CaseSummary(msgspec.Struct, frozen=True):
    """A line of the applicant's own list of cases."""

    number: str
    service_item: str
    form: str
    status: str
    submitted_at: datetime
    promised_due: date | None
    record_id: int | None
    #: the deadline colour (green, yellow, red) while the clock runs; None once it ended
    colour: str | None = None


class TimelineEntry(msgspec.Struct, frozen=True):
    seq: int
    kind: str
    actor: str | None
    at: datetime
    step: str | None
    task: str | None
    comment: str
    attachments: list[str]
    data: dict[str, Any]


class TaskView(msgspec.Struct, frozen=True):
    task: str
    step: str
    role: str
    department: str | None
    assignee: str | None


class CaseView(msgspec.Struct, frozen=True):
    number: str
    tenant: str
    service_item: str
    form: str
    route: str
    status: str
    version: int
    step: str | None
    submitter: str
    submitted_at: datetime
    colour: str | None
    statutory_due: date | None
    promised_due: date | None
    tasks: list[TaskView]
    decision: dict[str, Any] | None
    certificates: list[str]
    timeline: list[TimelineEntry]


class InboxItem(msgspec.Struct, frozen=True):
    number: str
    service_item: str
    status: str
    task: str
    step: str
    role: str
    department: str | None
    opened_at: datetime
    due_on: date | None
    #: the task's own colour by its step limit, or the case's when the step has none
    colour: str | None
    colour_label: str
    case_promised_due: date | None
    #: the business form the case applies for, and its route (their labels name the row)
    form: str = ""
    route: str = ""


class WithdrawRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: str = ""


class ResubmitRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    comment: str = ""
    attachments: tuple[str, ...] = ()
    #: the corrected form data; the snapshot is replaced when given
    data: dict[str, Any] | None = None


class RevokeCertificateRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: str


class Verification(msgspec.Struct, frozen=True):
    identifier: str
    verdict: str
    valid: bool
    message: str
    detail: dict[str, Any]


class Licence(msgspec.Struct, frozen=True):
    """One of the caller's own e-licences: where to download it and what to share."""

    identifier: str
    case: str
    status: str
    issued_at: datetime
    revoked_at: datetime | None
    revoked_reason: str | None
    #: a presigned GET of the PDF (minutes); None where the store cannot sign one (local)
    download: str | None
    #: the public verification page (the QR code's address): what a holder shares
    share: str
