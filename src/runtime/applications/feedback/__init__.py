"""The applicant's feedback on their own case: 好差评 (one rating per case, after it ended),
complaints and questions (咨询), through supervision's `CaseFeedback`, and what changed
on their cases since they last looked.

A question is stored where complaints are (`supervision_complaints`), its content
marked `QUESTION_MARK`: that table has no kind column and belongs to supervision.
Imports `yiwang.runtime.cases` (the case, as its applicant sees it) and
`yiwang.runtime.supervision.service`; supervision imports this room only in its
feedback controller.
"""
