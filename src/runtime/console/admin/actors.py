"""The audit trail's one actor format (`yiwang.platform.unit_of_work`: a person's login,
`system:<job>`, `cli:<os user>`, `anonymous`) decoded for a reader. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from yiwang.platform.i18n import translate
from yiwang.platform.unit_of_work import ANONYMOUS


def actor_label(actor: str, names: Mapping[str, str]) -> str:
    """Who acted, as a person reads it: a staff member by name and login, a job or the
    command line by what it is; a login with no name known stays as recorded."""
    kind, _, rest = actor.partition(":")
    if rest and kind == "system":
        return translate("admin.actor.system", name=rest)
    if rest and kind == "cli":
        return translate("admin.actor.cli", name=rest)
    if actor == ANONYMOUS:
        return translate("admin.actor.anonymous")
    name = names.get(actor)
    return translate("admin.actor.person", name=name, login=actor) if name else actor
