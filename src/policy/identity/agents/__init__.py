"""经办人: the citizens an enterprise account names to act for it, and acting for it.

An enterprise (`legal` account, signed in with its 统一社会信用代码 and password) names
real-name-verified citizens by their mobile number, and revokes them. A named citizen
opens a session *of the enterprise's account* that names them too
(`Session.agent_id`, its login "<credit code>（经办人 <masked number>）"): what they do
then is the enterprise's (its applications, its cases in 我的办件) and every audit
record names both. Revoking an agent ends every session of the enterprise (its
session version moves) and hands the enterprise's own caller a fresh one, so no
delegated session outlives the grant.

Imports identity's accounts, sessions and versions; nothing above policy.
"""
