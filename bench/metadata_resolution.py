"""Resolving a county's effective model, cold and warm; a base publish's checks and preview.

The county is 城关区 (620102): the base model (9 item types, 5 business
forms, 30 shared code lists) under 兰州市's overlay and its own. Every figure
sits next to a baseline measured in the same run that does comparable work and
is large against the timer (bench/support/timing.py says how each is timed):

- cold resolve: steps 2-4 (apply both overlays, check what they changed,
  freeze with the content hash) with the pattern caches and Python's `re`
  cache cleared before every call ("cold" in one process; the meta-schema
  validators stay compiled, as in a running worker), and once more as the
  first call of a fresh process (meta-schema validators compiled on the way);
  baseline: `copy.deepcopy` of the effective documents, i.e. building every
  value of the result once;
- first record validator of one type (schema generation, draft-07 twin,
  jsonschema-rs compile, caches cleared); baseline: the jsonschema-rs compile
  of the already generated schema alone;
- warm: the in-process cache answering for (tenant, version hashes), timed in
  batches; baseline: `functools.lru_cache` answering for the same key, the
  standard library's memo doing the same lookup;
- publish (pure part): checking a new base version in full (meta-schema with
  jsonschema-rs, python-jsonschema only to explain a refusal, then the
  document rules), next to python-jsonschema alone on every document; and
  the impact preview re-resolving all 102 descendants of the province, next
  to resolving each of them on its own from the base (what the preview's
  shared layers save). The database write, audit and commit are in
  `bench/metadata_publish.py`.

    uv run python bench/metadata_resolution.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import copy
import csv
import functools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from support.timing import clear_pattern_caches, median_ns, per_call_ns

from yiwang.metadata.documents.base_model import base_model_errors
from yiwang.metadata.documents.metaschemas import document_errors
from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.generators.validation import RecordValidator, fast_validator
from yiwang.metadata.resolution.impact import preview_impact
from yiwang.metadata.resolution.memo import ResolutionCache
from yiwang.metadata.resolution.resolve import (
    apply_overlays,
    base_layer,
    check_layers,
    freeze,
    overlay_chain,
    resolve,
)
from yiwang.metadata.versions.bundled import load_base_model, load_overlays

TEMPLATES = Path(__file__).resolve().parents[1] / "tenant_templates"
PROVINCE = "620000"
COUNTY = "620102"
FRESH_PROCESSES = 5


def load() -> tuple[dict[str, str | None], Any, Any]:
    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as handle:
        parents = {r["code"]: r["parent_code"] or None for r in csv.DictReader(handle)}
    return parents, load_base_model(TEMPLATES), load_overlays(TEMPLATES)


def first_call_in_this_process() -> None:
    """`--first-call`: the inputs loaded untimed, then one timed cold resolve."""
    parents, model, overlays = load()
    base = base_layer(PROVINCE, model)
    chain = overlay_chain(COUNTY, parents, overlays)
    start = time.perf_counter_ns()
    resolve(COUNTY, base, chain)
    print(time.perf_counter_ns() - start)


def fresh_process_ns() -> float:
    samples = []
    for _ in range(FRESH_PROCESSES):
        out = subprocess.run(
            [sys.executable, __file__, "--first-call"], check=True, capture_output=True, text=True
        )
        samples.append(float(out.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--first-call", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.first_call:
        first_call_in_this_process()
        return

    parents, model, overlays = load()
    base = base_layer(PROVINCE, model)
    chain = overlay_chain(COUNTY, parents, overlays)
    layers = apply_overlays(base, chain)
    effective = resolve(COUNTY, base, chain)

    cold = median_ns(lambda: resolve(COUNTY, base, chain), args.runs, clear_pattern_caches)
    apply_ns = median_ns(lambda: apply_overlays(base, chain), args.runs, clear_pattern_caches)
    check_ns = median_ns(lambda: check_layers(layers), args.runs, clear_pattern_caches)
    freeze_ns = median_ns(lambda: freeze(COUNTY, layers), args.runs, clear_pattern_caches)
    copy_ns = median_ns(lambda: copy.deepcopy(effective.documents), args.runs)
    fresh_ns = fresh_process_ns()

    def first_validator() -> RecordValidator:
        fresh = freeze(COUNTY, layers)
        return RecordValidator(fresh.document("service_item"), record_schema(fresh, "service_item"))

    schema = record_schema(effective, "service_item")
    validator_runs = max(20, args.runs // 10)
    generate_ns = median_ns(first_validator, validator_runs, clear_pattern_caches)
    compile_ns = median_ns(lambda: fast_validator(schema), validator_runs, clear_pattern_caches)

    cache = ResolutionCache()
    cache.put(effective)
    versions = effective.versions

    @functools.lru_cache(maxsize=1024)
    def memo(code: str, versions: tuple[str, ...]) -> Any:
        return effective

    memo(COUNTY, versions)
    warm = per_call_ns(lambda: cache.get_or_resolve(COUNTY, versions, lambda: effective))
    memo_ns = per_call_ns(lambda: memo(COUNTY, versions))

    def check_base() -> None:
        assert base_model_errors(model.as_json())[1] == []

    def explain_base() -> None:
        for key_, doc in model.documents.items():
            assert not document_errors(doc, pointer=f"/documents/{key_}")

    descendants = [code for code in parents if code != PROVINCE]

    def each_on_its_own() -> None:
        for code in descendants:
            resolve(code, base, overlay_chain(code, parents, overlays))

    publish_runs = max(5, args.runs // 40)
    check_base_ns = median_ns(check_base, publish_runs, clear_pattern_caches)
    explain_ns = median_ns(explain_base, publish_runs, clear_pattern_caches)
    preview_ns = median_ns(
        lambda: preview_impact(PROVINCE, (base,), parents, overlays),
        publish_runs,
        clear_pattern_caches,
    )
    naive_ns = median_ns(each_on_its_own, publish_runs, clear_pattern_caches)
    preview = preview_impact(PROVINCE, (base,), parents, overlays)

    results = {
        "cold_resolve_us": cold / 1000,
        "apply_us": apply_ns / 1000,
        "check_us": check_ns / 1000,
        "freeze_us": freeze_ns / 1000,
        "deepcopy_us": copy_ns / 1000,
        "fresh_process_resolve_us": fresh_ns / 1000,
        "first_record_validator_us": generate_ns / 1000,
        "compile_only_us": compile_ns / 1000,
        "warm_us": warm / 1000,
        "lru_cache_us": memo_ns / 1000,
        "check_base_ms": check_base_ns / 1e6,
        "python_metaschema_ms": explain_ns / 1e6,
        "preview_ms": preview_ns / 1e6,
        "each_on_its_own_ms": naive_ns / 1e6,
        "preview_tenants": preview.checked,
    }
    if args.json:
        print(json.dumps(results))
        return
    print(f"county {COUNTY}: {len(effective.documents)} documents, {len(chain)} overlays")
    print("| measure | median | baseline (same run) | ratio |")
    print("| --- | --- | --- | --- |")
    print(
        f"| cold resolve, caches cleared (apply {apply_ns / 1000:,.0f} + check "
        f"{check_ns / 1000:,.0f} + freeze {freeze_ns / 1000:,.0f} µs) | {cold / 1000:,.0f} µs "
        f"| deepcopy of the result {copy_ns / 1000:,.0f} µs | {cold / copy_ns:.2f} |"
    )
    print(
        f"| cold resolve, first call of a fresh process (median of {FRESH_PROCESSES}) "
        f"| {fresh_ns / 1000:,.0f} µs | deepcopy of the result {copy_ns / 1000:,.0f} µs "
        f"| {fresh_ns / copy_ns:.2f} |"
    )
    print(
        f"| first record validator, service_item, caches cleared | {generate_ns / 1000:,.0f} µs "
        f"| jsonschema-rs compile of the generated schema {compile_ns / 1000:,.0f} µs "
        f"| {generate_ns / compile_ns:.2f} |"
    )
    print(
        f"| warm, in-process cache (batches of 10,000) | {warm / 1000:.3f} µs "
        f"| `functools.lru_cache`, same key {memo_ns / 1000:.3f} µs | {warm / memo_ns:.2f} |"
    )
    print(
        f"| check a base version in full | {check_base_ns / 1e6:.1f} ms "
        f"| python-jsonschema on every document {explain_ns / 1e6:.1f} ms | "
        f"{check_base_ns / explain_ns:.2f} |"
    )
    print(
        f"| impact preview, {preview.checked} descendants | {preview_ns / 1e6:.1f} ms "
        f"| each resolved on its own {naive_ns / 1e6:.1f} ms | {preview_ns / naive_ns:.2f} |"
    )


if __name__ == "__main__":
    main()
