"""The supervision tables (migration `0013_supervision`); every one tenant-owned.

- `supervision_case_facts`: what the metrics need that a case does not hold:
  its item's power type, online availability, fully online, visits (零跑动: 0).
- `supervision_evaluations`: 好差评 grades 1..5, one per case; a bad one (1, 2) has the
  day its rectification is due (15 working days) and when it was rectified.
- `supervision_complaints`: complaints (投诉) and questions (咨询), told apart by `kind`
  (migration `0018_feedback_kind`), on a case or a department; closed when answered.
- `supervision_orders`: 督办 orders on a case or a department with a response
  deadline; an escalated order points at the one it escalated.

- `supervision_rollup` (migration `0016_supervision_rollup`): the metrics' counts per
  tenant, department ('' for none) and China month, kept by triggers on the
  tables they count; `supervision_warning_months`: one row per case, colour and
  month warned, `repeated` when the case was warned in more than one month.

The migrations also index `cases` for the supervision reads (by submission
time, by implementing department, the yellow and red ones); the plain ones are
declared here against the cases table, which this room reads but never writes; the
evaluations' unique index (one rating per case) comes from `0017_drafts`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.platform.models import Base, TenantOwned
from yiwang.runtime.cases.models import Case

#: grades of 好差评: 1 非常不满意 .. 5 非常满意; at or below this is a bad review (差评)
BAD_GRADE = 2
#: working days a bad review has to be rectified in
RECTIFY_DAYS = 15
ORDER_STATUSES = ("open", "answered", "escalated")
#: what the public files in `supervision_complaints`: a complaint (投诉) or a question (咨询)
FEEDBACK_KINDS = ("complaint", "question")


def _case_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(
        ["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"], name=f"fk_{table}_case"
    )


def _tenant_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=f"fk_{table}_tenant")


class CaseFacts(TenantOwned, Base):
    __tablename__ = "supervision_case_facts"

    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    power_type: Mapped[str | None] = mapped_column(Text)
    online: Mapped[bool] = mapped_column(Boolean)
    fully_online: Mapped[bool] = mapped_column(Boolean)
    visits: Mapped[int] = mapped_column(SmallInteger)

    __table_args__ = (
        CheckConstraint("visits >= 0", name="visits"),
        CheckConstraint("online OR NOT fully_online", name="online"),
        _case_fk("supervision_case_facts"),
    )


class Evaluation(TenantOwned, Base):
    __tablename__ = "supervision_evaluations"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int] = mapped_column(BigInteger)
    grade: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, server_default="")
    at: Mapped[datetime] = mapped_column()
    rectify_due: Mapped[date | None] = mapped_column(Date)
    rectified_at: Mapped[datetime | None] = mapped_column()

    __table_args__ = (
        CheckConstraint("grade BETWEEN 1 AND 5", name="grade"),
        _case_fk("supervision_evaluations"),
        Index("ix_supervision_evaluations_at", "tenant_id", "at"),
        # 好差评: one rating per case (migration `0017_drafts`); a second is a conflict
        Index("ux_supervision_evaluations_case", "tenant_id", "case_id", unique=True),
    )


class Complaint(TenantOwned, Base):
    __tablename__ = "supervision_complaints"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    department: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text, server_default="complaint")
    content: Mapped[str] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "case_id IS NOT NULL OR department IS NOT NULL",
            name="target",
        ),
        CheckConstraint("kind IN ('complaint', 'question')", name="kind"),
        _case_fk("supervision_complaints"),
        _tenant_fk("supervision_complaints"),
        Index("ix_supervision_complaints_opened", "tenant_id", "opened_at"),
    )


class Order(TenantOwned, Base):
    __tablename__ = "supervision_orders"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    case_id: Mapped[int | None] = mapped_column(BigInteger)
    department: Mapped[str | None] = mapped_column(Text)
    issued_by: Mapped[str] = mapped_column(Text)
    issuer_tenant_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    issued_at: Mapped[datetime] = mapped_column()
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None] = mapped_column()
    escalated_from: Mapped[int | None] = mapped_column(BigInteger)
    escalated_at: Mapped[datetime | None] = mapped_column()
    escalated_from_tenant_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (
        CheckConstraint("status IN ('open','answered','escalated')", name="status"),
        CheckConstraint(
            "case_id IS NOT NULL OR department IS NOT NULL OR escalated_from IS NOT NULL",
            name="target",
        ),
        _case_fk("supervision_orders"),
        _tenant_fk("supervision_orders"),
        Index(
            "ix_supervision_orders_open_due",
            "tenant_id",
            "due_on",
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_supervision_orders_case", "tenant_id", "case_id"),
    )


#: the counters of a rollup row, in the order `metrics.COUNTERS` has them
ROLLUP_COUNTERS = (
    "cases",
    "with_facts",
    "online",
    "fully_online",
    "zero_visit",
    "completed",
    "on_time",
    "handling_days",
    "promised_cases",
    "promised_days",
    "yellow_period",
    "red_period",
    "complaints",
    "closed",
    "closing_seconds",
    "grade_1",
    "grade_2",
    "grade_3",
    "grade_4",
    "grade_5",
    "rectified_in_time",
)


def _counter() -> Mapped[int]:
    return mapped_column(BigInteger, server_default=text("0"))


class Rollup(TenantOwned, Base):
    """Written by the triggers of migrations 0016, 0019 and 0021, by the case seeder (its own
    batches' counts) and by `yiwang supervision rebuild-rollup`; read by the metrics."""

    __tablename__ = "supervision_rollup"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    department: Mapped[str] = mapped_column(Text, primary_key=True)
    cases: Mapped[int] = _counter()
    with_facts: Mapped[int] = _counter()
    online: Mapped[int] = _counter()
    fully_online: Mapped[int] = _counter()
    zero_visit: Mapped[int] = _counter()
    completed: Mapped[int] = _counter()
    on_time: Mapped[int] = _counter()
    handling_days: Mapped[int] = _counter()
    promised_cases: Mapped[int] = _counter()
    promised_days: Mapped[int] = _counter()
    yellow_period: Mapped[int] = _counter()
    red_period: Mapped[int] = _counter()
    complaints: Mapped[int] = _counter()
    closed: Mapped[int] = _counter()
    closing_seconds: Mapped[Decimal] = mapped_column(Numeric, server_default=text("0"))
    grade_1: Mapped[int] = _counter()
    grade_2: Mapped[int] = _counter()
    grade_3: Mapped[int] = _counter()
    grade_4: Mapped[int] = _counter()
    grade_5: Mapped[int] = _counter()
    rectified_in_time: Mapped[int] = _counter()

    __table_args__ = (_tenant_fk("supervision_rollup"),)


class NowCounts(TenantOwned, Base):
    """The running cases yellow / red now per tenant and implementing department ('' for
    none): kept by the cases' rollup trigger `cases_rollup` (migrations 0019, 0021, 0029),
    the case seeder and `yiwang supervision rebuild-rollup`; a province reads ~1,000 rows."""

    __tablename__ = "supervision_now"

    department: Mapped[str] = mapped_column(Text, primary_key=True)
    yellow_now: Mapped[int] = _counter()
    red_now: Mapped[int] = _counter()

    __table_args__ = (_tenant_fk("supervision_now"),)


class WarningMonth(TenantOwned, Base):
    __tablename__ = "supervision_warning_months"

    case_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    repeated: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))

    __table_args__ = (
        CheckConstraint("kind IN ('yellow', 'red')", name="kind"),
        _case_fk("supervision_warning_months"),
        Index(
            "ix_supervision_warning_months_repeated",
            "tenant_id",
            "month",
            postgresql_where=text("repeated"),
        ),
    )


# the supervision reads' indexes on the cases table
Index("ix_cases_tenant_submitted", Case.tenant_id, Case.submitted_at)
Index("ix_cases_tenant_department", Case.tenant_id, text("(state ->> 'implementing_department')"))
Index(
    "ix_cases_tenant_colour",
    Case.tenant_id,
    Case.colour,
    postgresql_where=text("colour IN ('yellow','red')"),
)
Index(
    "ix_cases_running_colour",
    Case.tenant_id,
    Case.colour,
    text("(state ->> 'implementing_department')"),
    postgresql_where=text(
        "colour IN ('yellow', 'red')"
        " AND status IN ('submitted', 'in_review', 'supplement_requested')"
    ),
)
# the red and yellow lists: running cases of a colour, soonest promise first (0021)
Index(
    "ix_cases_running_colour_due",
    Case.tenant_id,
    Case.colour,
    Case.promised_due,
    Case.id,
    postgresql_where=text(
        "colour IN ('yellow', 'red')"
        " AND status IN ('submitted', 'in_review', 'supplement_requested')"
    ),
)
Index(
    "ix_cases_tenant_colour_submitted",
    Case.tenant_id,
    Case.colour,
    Case.submitted_at.desc(),
    Case.id.desc(),
    Case.status,
)
Index("ix_cases_tenant_submitted_id", Case.tenant_id, Case.submitted_at.desc(), Case.id.desc())
