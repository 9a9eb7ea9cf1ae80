"""What a step's approval mode means in numbers, and when one mode is weaker than another.

A review-like step or a branch of a parallel step is decided by votes of
distinct people holding its role:

| mode     | approvals to pass | rejections that close it as rejected          |
| -------- | ----------------- | --------------------------------------------- |
| single   | 1                 | 1                                             |
| any 或签 | 1 (of any holder) | 1: the first to decide, decides either way   |
| all 会签 | m (`approvers`)   | 1: one "no" and all can no longer approve    |
| n_of_m   | n of m            | 1 with `reject_decides`, else m - n + 1      |

Both the overlay rules (a region may not weaken a base step) and the route
engine (when a step closes) read the modes through `approval_rule`, so the
arithmetic lives here once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

Mode = Literal["single", "all", "any", "n_of_m"]
MODES: Final[tuple[Mode, ...]] = ("single", "all", "any", "n_of_m")
#: the parameters a mode takes; an overlay that sets `mode` replaces all of them
MODE_PARAMETERS: Final[tuple[str, ...]] = ("n", "approvers", "reject_decides")

_NAMES: Final[Mapping[str, str]] = {
    "single": "单人审批",
    "all": "会签",
    "any": "或签",
    "n_of_m": "多人表决",
}


@dataclass(frozen=True)
class ApprovalRule:
    """How many approvals pass a step, and how many rejections close it."""

    mode: Mode
    needed: int
    seats: int
    reject_decides: bool

    @property
    def rejections_to_close(self) -> int:
        """Rejections after which the step is closed as rejected."""
        return 1 if self.reject_decides else self.seats - self.needed + 1

    def weaker_than(self, other: ApprovalRule) -> bool:
        """Fewer approvals pass it, or more rejections are needed to stop it."""
        return self.needed < other.needed or self.rejections_to_close > other.rejections_to_close

    def describe(self) -> str:
        """The mode in words, for messages: `会签（3 人）`, `多人表决（5 人中 3 人同意）`."""
        name = _NAMES[self.mode]
        if self.mode == "all":
            return f"{name}（{self.seats} 人）"
        if self.mode == "n_of_m":
            veto = "，一票否决" if self.reject_decides else ""
            return f"{name}（{self.seats} 人中 {self.needed} 人同意{veto}）"
        return name


def approval_rule(task: Mapping[str, Any]) -> ApprovalRule:
    """The rule of a step or branch definition (mode absent: single)."""
    mode: Mode = task.get("mode", "single")
    if mode == "all":
        seats = int(task["approvers"])
        return ApprovalRule(mode, needed=seats, seats=seats, reject_decides=True)
    if mode == "n_of_m":
        return ApprovalRule(
            mode,
            needed=int(task["n"]),
            seats=int(task["approvers"]),
            reject_decides=bool(task["reject_decides"]),
        )
    return ApprovalRule(mode, needed=1, seats=1, reject_decides=True)
