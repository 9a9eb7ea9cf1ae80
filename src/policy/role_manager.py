"""A Casbin role manager for flat roles granted at tenant nodes.

pycasbin's default domain manager keeps, for every domain it is asked about, a
copy of the role graph of every matching domain; with 10,000 grants and the
default role-name matcher that copy costs O(n^2) to build per domain, and each
`g()` call walks several objects. Our roles do not inherit from each other, so
a user's grants are a short list and `g(user, role, dom)` is: does the user
hold `role` at a node whose domain matches `dom`. This manager answers that
from a dict keyed by user, in time proportional to the user's own grants.

It honours Casbin's interface: links come from `g` rows through
`build_role_links`, and the subtree test is the function registered with
`add_named_domain_matching_func`. Without one, domains must be equal (the
node-only `g2` grants).
"""

from __future__ import annotations

from collections.abc import Callable

from casbin.rbac import RoleManager


class NodeRoleManager(RoleManager):  # type: ignore[misc]
    def __init__(self) -> None:
        self._links: dict[str, set[tuple[str, str]]] = {}
        self.domain_matching_func: Callable[[str, str], bool] | None = None

    # Casbin's interface ----------------------------------------------------

    def clear(self) -> None:
        self._links = {}

    def add_matching_func(self, fn: Callable[[str, str], bool] | None = None) -> None:
        """Refuse role-name patterns: role names are exact keys, and a pattern over
        them would make every decision scan all roles. `None` (no pattern) is fine."""
        if fn is not None:
            raise ValueError("role-name patterns are refused: role names are exact keys")

    def add_domain_matching_func(self, fn: Callable[[str, str], bool] | None = None) -> None:
        self.domain_matching_func = fn

    def add_link(self, name1: str, name2: str, *domain: str) -> None:
        self._links.setdefault(name1, set()).add((name2, _one(domain)))

    def delete_link(self, name1: str, name2: str, *domain: str) -> None:
        links = self._links.get(name1)
        if links is not None:
            links.discard((name2, _one(domain)))
            if not links:
                del self._links[name1]

    def has_link(self, name1: str, name2: str, *domain: str) -> bool:
        if name1 == name2:
            # Casbin's convention: a subject "has" its own name as a role. Citizens
            # and legal persons are decided with their kind's role as the subject.
            return True
        links = self._links.get(name1)
        if not links:
            return False
        dom = _one(domain)
        match = self.domain_matching_func
        for role, node in links:
            if role == name2 and (node == dom or (match is not None and match(dom, node))):
                return True
        return False

    def get_roles(self, name: str, *domain: str) -> list[str]:
        dom = _one(domain)
        match = self.domain_matching_func
        return sorted(
            {
                role
                for role, node in self._links.get(name, ())
                if node == dom or (match is not None and match(dom, node))
            }
        )

    def get_users(self, name: str, *domain: str) -> list[str]:
        dom = _one(domain)
        match = self.domain_matching_func
        return sorted(
            user
            for user, links in self._links.items()
            if any(
                role == name and (node == dom or (match is not None and match(dom, node)))
                for role, node in links
            )
        )

    def print_roles(self) -> None:
        return None

    # Ours -----------------------------------------------------------------

    def links_of(self, name: str) -> list[tuple[str, str]]:
        """Every (role, node) granted to `name` through this role type."""
        return sorted(self._links.get(name, ()))

    def subjects(self) -> list[str]:
        return sorted(self._links)

    def link_count(self) -> int:
        return sum(len(v) for v in self._links.values())


def _one(domain: tuple[str, ...]) -> str:
    if len(domain) > 1:
        raise ValueError("a link has at most one domain")
    return domain[0] if domain else ""
