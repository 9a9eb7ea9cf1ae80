"""A person's own factors: activation, password change, TOTP re-enrolment; and the codes
administrators hand out for them.

No administrator ever learns a usable secret of another person's account
(三员分立, 等保 2.0 level 3):

1. **Issue.** Whoever creates a staff or legal-person account receives a
   one-time activation code (`activation_codes`), never a password or a TOTP
   secret. The code expires (`activation_hours`), works once, is stored
   hashed, and its row names who held it.
2. **Activate** (`POST /api/v1/auth/activation`, public): the person sends
   login, code and a password of their choosing. A staff account then
   receives its TOTP provisioning URI, once, and
3. **confirms** (`POST /api/v1/auth/activation/confirm`) with login, code,
   password and a code from the authenticator: only now are the password
   and the secret installed, the code spent, the account active and a
   session started. A legal person, who has no TOTP, is active after step 2.
4. **Change the password** (`POST /api/v1/me/password`): the current
   password and, for staff, a TOTP code; the new password passes the policy
   and repeats none of the last `PasswordAge.history`. An expired password
   (`PasswordAge.max_age_days`) signs in to a session that may do nothing
   else.
5. **Re-enrol TOTP** (`POST /api/v1/me/totp`, then `.../confirm`): with the
   current password and a valid code from the old authenticator.
6. **Reset** (a person who lost a factor): one administrator requests it and
   receives the first half of a new code; a different administrator approves
   it and receives the second half; only then are the account's password
   and secret cleared and its sessions ended. The person, given both halves
   by the two, activates as in step 2. Neither administrator alone can.

Every attempt is audited. Activation failures all answer
`identity.activation_failed` and are throttled like sign-ins. Each change of
a factor ends the account's other sessions (`account_versions`).
"""

from yiwang.policy.identity.enrolment.activation import SelfActivation
from yiwang.policy.identity.enrolment.base import ActivationStarted, Holder, IssuedCode
from yiwang.policy.identity.enrolment.issue import CodeIssue
from yiwang.policy.identity.enrolment.own_factors import TOTP_PENDING_MINUTES, OwnFactors
from yiwang.policy.identity.enrolment.resets import Resets


class Enrolment(CodeIssue, Resets, SelfActivation, OwnFactors):
    """A person's factors from the first code to every later change, one step a module:
    `issue` (1), `activation` (2, 3), `own_factors` (4, 5), `resets` (6)."""


__all__ = [
    "TOTP_PENDING_MINUTES",
    "ActivationStarted",
    "Enrolment",
    "Holder",
    "IssuedCode",
]
