"""What the public and the case add to supervision, one tenant at a time: a
case's facts (power type, online, visits), 好差评 evaluations with the
rectification of bad ones, and complaints and questions (`kind`). Every write is
audited.
"""

from __future__ import annotations

from yiwang.runtime.supervision.errors import (
    SupervisionDone,
    SupervisionInputInvalid,
    SupervisionNotFound,
)
from yiwang.runtime.supervision.models import (
    BAD_GRADE,
    FEEDBACK_KINDS,
    RECTIFY_DAYS,
    Complaint,
    Evaluation,
)
from yiwang.runtime.supervision.query import POWER_TYPES
from yiwang.runtime.supervision.service.base import (
    MAX_TEXT,
    SupervisionBase,
    china_today,
    required_text,
)


class CaseFeedback(SupervisionBase):
    async def record_facts(
        self,
        code: str,
        number: str,
        *,
        power_type: str | None,
        online: bool,
        fully_online: bool,
        visits: int,
    ) -> None:
        """What a case's supervision needs and the case lacks (set on submission)."""
        tenant = self.tree.node(code)
        if power_type is not None and power_type not in POWER_TYPES:
            raise SupervisionInputInvalid(
                "supervision.value_invalid",
                pointer="/power_type",
                field="power_type",
                value=power_type[:16],
                expected="、".join(POWER_TYPES),
            )
        if visits < 0 or visits > 99 or (fully_online and not online):
            raise SupervisionInputInvalid(
                "supervision.value_invalid",
                pointer="/visits" if visits < 0 or visits > 99 else "/fully_online",
                field="visits" if visits < 0 or visits > 99 else "fully_online",
                value=str(visits if visits < 0 or visits > 99 else fully_online),
                expected="0 至 99 次；全程网办的事项必须可网上办理",
            )
        case = await self._case(tenant, number)
        await self.repo.put_facts(
            tenant.id,
            case.id,
            {
                "power_type": power_type,
                "online": online,
                "fully_online": fully_online,
                "visits": visits,
            },
        )

    async def evaluate(self, code: str, number: str, grade: int, comment: str = "") -> int:
        """A 好差评 on a case; a bad one (1, 2) is due for rectification in 15 working days."""
        tenant = self.tree.node(code)
        if not 1 <= grade <= 5:
            raise SupervisionInputInvalid(
                "supervision.grade_invalid", pointer="/grade", value=grade
            )
        case = await self._case(tenant, number)
        now = self.clock()
        due = (
            await self._calendar_add(code, china_today(now), RECTIFY_DAYS)
            if grade <= BAD_GRADE
            else None
        )
        new_id = await self.repo.add(
            Evaluation,
            {
                "tenant_id": tenant.id,
                "case_id": case.id,
                "grade": grade,
                "comment": comment[:MAX_TEXT],
                "at": now,
                "rectify_due": due,
            },
        )
        await self.uow.audit(
            action="supervision.evaluate",
            object_type="case",
            object_id=number,
            tenant_id=tenant.id,
            detail={"evaluation": new_id, "grade": grade},
        )
        return new_id

    async def rectify(self, code: str, evaluation_id: int) -> None:
        tenant = self.tree.node(code)
        found = await self.repo.evaluation(tenant.id, evaluation_id)
        if found is None:
            raise SupervisionNotFound("supervision.evaluation_not_found", id=evaluation_id)
        if found.grade > BAD_GRADE:
            raise SupervisionInputInvalid("supervision.evaluation_not_bad", id=evaluation_id)
        if found.rectified_at is not None:
            raise SupervisionDone("supervision.already_done", what="差评", id=evaluation_id)
        now = self.clock()
        await self.repo.update(Evaluation, tenant.id, evaluation_id, rectified_at=now)
        await self.uow.audit(
            action="supervision.rectify",
            object_type="evaluation",
            object_id=str(evaluation_id),
            tenant_id=tenant.id,
            detail={"case_id": found.case_id},
        )

    async def complain(
        self,
        code: str,
        content: str,
        *,
        number: str | None = None,
        department: str | None = None,
        kind: str = "complaint",
    ) -> int:
        """A complaint (投诉) or a question (咨询), on a case or a department."""
        tenant = self.tree.node(code)
        if (number is None) == (department is None):
            raise SupervisionInputInvalid("supervision.order_target_invalid", pointer="")
        if kind not in FEEDBACK_KINDS:
            raise SupervisionInputInvalid(
                "supervision.value_invalid",
                pointer="/kind",
                field="kind",
                value=kind[:16],
                expected="、".join(FEEDBACK_KINDS),
            )
        text = required_text(content, "投诉内容" if kind == "complaint" else "咨询内容", "/content")
        case_id = (await self._case(tenant, number)).id if number is not None else None
        new_id = await self.repo.add(
            Complaint,
            {
                "tenant_id": tenant.id,
                "case_id": case_id,
                "department": department,
                "kind": kind,
                "content": text,
                "opened_at": self.clock(),
            },
        )
        await self.uow.audit(
            action="supervision.complaint",
            object_type="complaint",
            object_id=str(new_id),
            tenant_id=tenant.id,
            detail={"case": number, "department": department, "kind": kind},
        )
        return new_id

    async def close_complaint(self, code: str, complaint_id: int, answer: str) -> None:
        tenant = self.tree.node(code)
        found = await self.repo.complaint(tenant.id, complaint_id)
        if found is None:
            raise SupervisionNotFound("supervision.complaint_not_found", id=complaint_id)
        if found.closed_at is not None:
            raise SupervisionDone("supervision.already_done", what="投诉", id=complaint_id)
        text = required_text(answer, "答复", "/answer")
        await self.repo.update(
            Complaint, tenant.id, complaint_id, closed_at=self.clock(), answer=text
        )
        await self.uow.audit(
            action="supervision.complaint_closed",
            object_type="complaint",
            object_id=str(complaint_id),
            tenant_id=tenant.id,
        )
