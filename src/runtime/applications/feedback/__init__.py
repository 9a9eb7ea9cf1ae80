"""The applicant's feedback on their own case: 好差评 (one rating per case, after it ended),
complaints and questions (咨询), through supervision's `CaseFeedback`, and what changed
on their cases since they last looked.

A question is stored where complaints are (`supervision_complaints`), told apart by
its `kind` (migration `0018_feedback_kind`).
Imports `yiwang.runtime.cases` (the case, as its applicant sees it) and
`yiwang.runtime.supervision.service`; supervision imports this room only in its
feedback controller.
"""
