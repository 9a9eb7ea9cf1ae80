"""Median time of one authorisation decision, cold (Casbin) and warm (cache).

The full Gansu set: 103 tenants from the shipped divisions file, every role of
the catalogue, about 30 permissions per role (the shipped templates padded with
further real object/action pairs, so that each (object, action) bucket holds
as many rules as a busy deployment would), and 10,000 users holding 11,500
grants at province, prefecture and county nodes. Baselines from the same run,
each doing the same work and large against the timer:

- cold (the engine deciding, no decision cache): the median of single calls
  (tens of µs, large against `perf_counter_ns`), next to stock pycasbin
  (default `Enforcer` and domain manager, matcher parsed per call) deciding
  the same first 500 requests on the same model and data: the reason the
  engine indexes rules, compiles the matcher and keeps its own role manager;
- warm (the decision cache): every request once per pass, timed per pass and
  divided (a single sub-µs call timed alone would measure the timer), next
  to `functools.lru_cache` around the engine answering the same requests
  from its memo, timed the same way.

    uv run python bench/policy_decision.py [--users N] [--requests N] [--json]
"""

from __future__ import annotations

import argparse
import csv
import functools
import gc
import json
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yiwang.policy.catalogue import PolicyRule, RoleCatalogue, load_catalogue
from yiwang.policy.domains import ROOT, in_subtree
from yiwang.policy.enforcer import (
    Grant,
    PolicyEngine,
    PolicySnapshot,
    model_text,
    user_subject,
)
from yiwang.policy.holder import PolicyHolder

ROOT_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT_DIR / "tenant_templates"
PERMISSIONS_PER_ROLE = 30


def tenant_paths() -> dict[str, tuple[str, str]]:
    """code -> (path, level)."""
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    parent = {r["code"]: r["parent_code"] or None for r in rows}

    def path(code: str) -> str:
        up = parent[code]
        return (path(up) if up else "") + "/" + code

    return {r["code"]: (path(r["code"]), r["level"]) for r in rows}


def padded_rules(cat: RoleCatalogue, rng: random.Random) -> list[PolicyRule]:
    """Templates with every role padded to ~30 allowed (object, action) pairs."""
    rules = cat.template_rules()
    pairs = [(o, a) for o in cat.objects for a in cat.actions]
    for role in cat.roles.values():
        held = {(o, a) for o, acts in role.permissions.items() for a in acts}
        extra = [p for p in pairs if p not in held]
        rng.shuffle(extra)
        for obj, action in extra[: max(0, PERMISSIONS_PER_ROLE - len(held))]:
            rules.append(PolicyRule(role.key, ROOT, obj, action, "allow"))
    return rules


def make_grants(
    cat: RoleCatalogue, tenants: dict[str, tuple[str, str]], users: int, rng: random.Random
) -> list[Grant]:
    by_level: dict[str, list[str]] = {}
    for path, level in tenants.values():
        by_level.setdefault(level, []).append(path)
    grantable = [r for r in cat.roles.values() if r.grantable]
    grants = []
    for i in range(1, users + 1):
        for _ in range(2 if i % 7 == 0 else 1):  # one user in seven holds two roles
            level = rng.choices(["province", "prefecture", "county"], weights=[1, 14, 85])[0]
            node = rng.choice(by_level[level])
            roles = [r for r in grantable if level in r.levels] or grantable
            role = rng.choice(roles)
            grants.append(Grant(user_subject(i), role.key, node, subtree=rng.random() < 0.5))
    return grants


def make_requests(
    cat: RoleCatalogue,
    tenants: dict[str, tuple[str, str]],
    grants: list[Grant],
    count: int,
    rng: random.Random,
) -> list[tuple[str, str, str, str]]:
    """Half aimed at what a grant allows near its node, half anywhere."""
    paths = [p for p, _ in tenants.values()]
    objects, actions = list(cat.objects), list(cat.actions)
    out = []
    for _ in range(count):
        g = rng.choice(grants)
        if rng.random() < 0.5:
            perms = [(o, a) for o, acts in cat.roles[g.role].permissions.items() for a in acts]
            obj, act = rng.choice(perms)
            below = [p for p in paths if in_subtree(p, g.node)]
            out.append((g.subject, rng.choice(below), obj, act))
        else:
            out.append((g.subject, rng.choice(paths), rng.choice(objects), rng.choice(actions)))
    return out


def median_ns(fn: Callable[[Any], Any], items: list[Any], rounds: int = 3) -> float:
    """Median over single timed calls, best of `rounds` passes (GC off while timing)."""
    best = float("inf")
    timer = time.perf_counter_ns
    for _ in range(rounds):
        samples = []
        gc.disable()
        try:
            for item in items:
                t0 = timer()
                fn(item)
                samples.append(timer() - t0)
        finally:
            gc.enable()
        best = min(best, statistics.median(samples))
    return best


def per_call_ns(fn: Callable[[Any], Any], items: list[Any], rounds: int = 5) -> float:
    """Median over `rounds` passes of (time of one pass over `items`) / len(items)."""
    samples = []
    timer = time.perf_counter_ns
    for _ in range(rounds):
        gc.disable()
        try:
            t0 = timer()
            for item in items:
                fn(item)
            samples.append((timer() - t0) / len(items))
        finally:
            gc.enable()
    return statistics.median(samples)


def stock_casbin_us(snapshot: PolicySnapshot, reqs: list[tuple[str, str, str, str]]) -> float:
    """Median µs of stock pycasbin over the same snapshot (role graphs warmed first)."""
    import casbin

    enforcer = casbin.Enforcer(casbin.Enforcer.new_model(text=model_text()))
    enforcer.add_function("in_subtree", in_subtree)
    enforcer.add_named_domain_matching_func("g", in_subtree)
    model = enforcer.get_model()
    model.model["p"]["p"].policy = [r.as_row() for r in snapshot.rules]
    for ptype, subtree in (("g", True), ("g2", False)):
        model.model["g"][ptype].policy = [
            [g.subject, g.role, g.node] for g in snapshot.grants if g.subtree is subtree
        ]
    enforcer.build_role_links()
    for q in reqs:
        enforcer.enforce(*q)
    return median_ns(lambda q: enforcer.enforce(*q), reqs, rounds=1) / 1000


def run(users: int, requests: int, padded: bool, seed: int = 20261126) -> dict[str, Any]:
    rng = random.Random(seed)
    cat = load_catalogue(TEMPLATES)
    tenants = tenant_paths()
    rules = padded_rules(cat, rng) if padded else cat.template_rules()
    grants = make_grants(cat, tenants, users, rng)
    snapshot = PolicySnapshot(
        version=1,
        rules=tuple(rules),
        grants=tuple(grants),
        implicit_roles=frozenset(r.key for r in cat.roles.values() if r.account_kind),
    )
    t0 = time.perf_counter()
    engine = PolicyEngine(snapshot)
    build_s = time.perf_counter() - t0
    reqs = make_requests(cat, tenants, grants, requests, rng)
    holder = PolicyHolder(engine)
    allowed = sum(engine.allowed(*q) for q in reqs)

    def cold(q: Any) -> Any:
        return engine.decide(*q)

    def warm(q: Any) -> Any:
        return holder.decide(*q)

    memo = functools.lru_cache(maxsize=None)(engine.decide)

    def memoised(q: Any) -> Any:
        return memo(*q)

    for q in reqs:  # fill the decision cache and the memo
        holder.decide(*q)
        memo(*q)
    cold_ns = median_ns(cold, reqs)
    cold_500_ns = median_ns(cold, reqs[:500])
    stock_us = stock_casbin_us(snapshot, reqs[:500])
    warm_ns = per_call_ns(warm, reqs)
    memo_ns = per_call_ns(memoised, reqs)
    per_role: dict[str, int] = {}
    for r in rules:
        if r.effect == "allow":
            per_role[r.role] = per_role.get(r.role, 0) + 1
    return {
        "rule_set": "padded to ~30 permissions per role" if padded else "shipped catalogue",
        "tenants": len(tenants),
        "roles": len(cat.roles),
        "rules": engine.rule_count,
        "permissions_per_role": round(statistics.mean(per_role.values()), 1),
        "users": users,
        "grants": engine.grant_count,
        "requests": len(reqs),
        "allowed_share": round(allowed / len(reqs), 3),
        "engine_build_s": round(build_s, 3),
        "cold_us": round(cold_ns / 1000, 2),
        "cold_500_us": round(cold_500_ns / 1000, 2),
        "stock_pycasbin_us": round(stock_us, 1),
        "cold_ratio_to_stock": round(cold_500_ns / 1000 / stock_us, 3),
        "warm_us": round(warm_ns / 1000, 3),
        "lru_cache_us": round(memo_ns / 1000, 3),
        "warm_ratio_to_lru_cache": round(warm_ns / memo_ns, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = [run(args.users, args.requests, padded) for padded in (True, False)]
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    print(
        "| rule set | rules | perms/role | grants | cold µs | cold, first 500 µs "
        "| stock pycasbin, same 500 µs | ratio | warm µs | lru_cache µs | ratio | build s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['rule_set']} | {r['rules']} | {r['permissions_per_role']} | {r['grants']} "
            f"| {r['cold_us']} | {r['cold_500_us']} | {r['stock_pycasbin_us']} "
            f"| {r['cold_ratio_to_stock']} | {r['warm_us']} | {r['lru_cache_us']} "
            f"| {r['warm_ratio_to_lru_cache']} | {r['engine_build_s']} |"
        )
    print(
        f"\n{results[0]['tenants']} tenants, {results[0]['roles']} roles, "
        f"{results[0]['users']} users, {results[0]['requests']} requests "
        f"({results[0]['allowed_share']:.0%} allowed); goals: cold ≤ 100 µs, warm ≤ 5 µs"
    )


if __name__ == "__main__":
    main()
