"""Electronic licences (电子证照, GB/T 36901–36905): identifiers, the certificate
document and its templates, signing and keys, the PDF with its QR code,
verification and revocation.

Pure and storage-agnostic: nothing here opens a session; `archive` is the one
module that touches object storage, through the kernel's `ObjectStorage`.
Imports `yiwang.metadata`, `yiwang.policy.identity` (credit codes) and
`yiwang.platform`.
"""

from yiwang.runtime.certificates import messages as _messages  # noqa: F401  (registers the catalogue)
