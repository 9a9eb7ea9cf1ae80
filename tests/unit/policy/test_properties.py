"""Property: for random users, grants, regional denies and targets, no user ever
acts outside the subtree of its grants, and every decision equals the one
computed from first principles (grant reach, catalogue permissions, denies)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.policy.tree import TEMPLATES, gansu
from yiwang.policy.catalogue import PolicyRule, load_catalogue
from yiwang.policy.domains import ancestors_or_self, in_subtree
from yiwang.policy.enforcer import Grant, PolicyEngine, catalogue_snapshot, user_subject
from yiwang.policy.holder import PolicyHolder

CATALOGUE = load_catalogue(TEMPLATES)
TREE = gansu()
PATHS = sorted(n.path for n in TREE.by_code.values())
GRANTABLE = sorted(k for k, r in CATALOGUE.roles.items() if r.grantable)
OBJECTS = sorted(CATALOGUE.objects)
ACTIONS = sorted(CATALOGUE.actions)
USERS = [user_subject(i) for i in range(1, 6)]
PERMISSIONS = {
    key: sorted((o, a) for o, acts in role.permissions.items() for a in acts)
    for key, role in CATALOGUE.roles.items()
}

grants_st = st.lists(
    st.builds(
        Grant,
        subject=st.sampled_from(USERS),
        role=st.sampled_from(GRANTABLE),
        node=st.sampled_from(PATHS),
        subtree=st.booleans(),
    ),
    min_size=1,
    max_size=12,
)


def reaches(grant: Grant, dom: str) -> bool:
    return in_subtree(dom, grant.node) if grant.subtree else dom == grant.node


def near(draw: st.DrawFn, node: str) -> str:
    """A tenant at, above or below `node` (or anywhere), where decisions are interesting."""
    below = [p for p in PATHS if in_subtree(p, node)]
    above = [p for p in ancestors_or_self(node) if p != "/"]
    return draw(st.sampled_from(below + above + [draw(st.sampled_from(PATHS))]))


def oracle(
    grants: list[Grant], denies: list[PolicyRule], user: str, dom: str, obj: str, act: str
) -> bool:
    held = {g.role for g in grants if g.subject == user and reaches(g, dom)}
    allowed = any(CATALOGUE.roles[r].allows(obj, act) for r in held)
    root_denied = any(
        d.role in held and d.object == obj and d.action == act for d in CATALOGUE.denies
    )
    region_denied = any(
        d.role in held and d.object == obj and d.action == act and in_subtree(dom, d.domain)
        for d in denies
    )
    return allowed and not root_denied and not region_denied


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grants=grants_st, data=st.data())
def test_no_user_acts_outside_the_subtree_of_its_grants(
    grants: list[Grant], data: st.DataObject
) -> None:
    draw = data.draw
    # Regional denies on permissions some grant actually carries, near its node.
    denies = []
    for _ in range(draw(st.integers(0, 3))):
        g = draw(st.sampled_from(grants))
        obj, act = draw(st.sampled_from(PERMISSIONS[g.role]))
        denies.append(PolicyRule(g.role, near(draw, g.node), obj, act, "deny"))
    # Requests: mostly what a grant's role can do near its node, some fully random.
    requests = []
    for _ in range(draw(st.integers(1, 20))):
        if draw(st.booleans()):
            g = draw(st.sampled_from(grants))
            obj, act = draw(st.sampled_from(PERMISSIONS[g.role]))
            requests.append((g.subject, near(draw, g.node), obj, act))
        else:
            requests.append(
                (
                    draw(st.sampled_from(USERS)),
                    draw(st.sampled_from(PATHS)),
                    draw(st.sampled_from(OBJECTS)),
                    draw(st.sampled_from(ACTIONS)),
                )
            )

    engine = PolicyEngine(catalogue_snapshot(CATALOGUE, version=1, grants=grants, overrides=denies))
    holder = PolicyHolder(engine)
    for user, dom, obj, act in requests:
        decision = engine.decide(user, dom, obj, act)
        own = [g for g in grants if g.subject == user]
        if decision.allowed:
            assert any(reaches(g, dom) for g in own), (user, dom, own)
            assert decision.rule is not None and decision.rule.effect == "allow"
            assert any(g.role == decision.rule.role and reaches(g, dom) for g in own)
        assert decision.allowed == oracle(grants, denies, user, dom, obj, act), (
            user,
            dom,
            obj,
            act,
            own,
            denies,
        )
        # The cached path agrees, on a miss and on a hit.
        assert holder.decide(user, dom, obj, act) == decision
        assert holder.decide(user, dom, obj, act) == decision
