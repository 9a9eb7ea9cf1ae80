"""Attachments: files a person uploads for a record or a case, and their checks.

A browser uploads straight to object storage through a signed form (S3's POST
policy, or the application's own endpoint for the local backend); the server
then checks the object itself (HEAD at once, then a background job reading
size, magic bytes, SHA-256 and the virus scanner) before an attachment counts.
Keys are the server's (`t/<tenant id>/...`), never the client's file name.

Imports `yiwang.metadata` (the field's limits), `yiwang.policy` (the guard's
`Access`), `yiwang.tenants` and `yiwang.platform` (storage, units of work).
Background work is asked for through `service.VerificationQueue`, which the
jobs room implements, so this room never imports the jobs room.
"""

from yiwang.runtime.attachments import messages as _messages  # noqa: F401  (registers the catalogue)
