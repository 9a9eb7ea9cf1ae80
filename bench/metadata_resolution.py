"""Resolving a county's effective model, cold and warm; a base publish's checks and preview.

The county is 城关区 (620102): the base model (9 item types, 5 business
forms, 30 shared code lists) under 兰州市's overlay and its own. Medians of
single calls timed with perf_counter_ns, next to a baseline timed the same
way in the same run, because machines here are noisy:

- cold: steps 2-4 of resolution (apply both overlays, check what they
  changed, freeze with the content hash), nothing cached; then the first
  record validator of one type built from the frozen model (step 5);
- warm: the in-process cache answering for (tenant, version hashes); the
  baseline is a plain dict lookup with a tuple key;
- publish (pure part): checking a new base version in full (meta-schema with
  jsonschema-rs, python-jsonschema only to explain a refusal, then the
  document rules), next to python-jsonschema alone on every document; and
  the impact preview re-resolving all 102 descendants of the province. The
  database write, audit and commit are in `bench/metadata_publish.py`.

    uv run python bench/metadata_resolution.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yiwang.metadata.documents.base_model import base_model_errors
from yiwang.metadata.documents.metaschemas import document_errors
from yiwang.metadata.generators.record_schema import record_schema
from yiwang.metadata.generators.validation import RecordValidator
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


def _median_ns(call: Callable[[], Any], runs: int) -> float:
    samples = []
    gc.disable()
    try:
        for _ in range(runs):
            start = time.perf_counter_ns()
            call()
            samples.append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with (TEMPLATES / "gansu-divisions.csv").open(encoding="utf-8") as handle:
        parents = {r["code"]: r["parent_code"] or None for r in csv.DictReader(handle)}
    model = load_base_model(TEMPLATES)
    overlays = load_overlays(TEMPLATES)
    base = base_layer(PROVINCE, model)
    chain = overlay_chain(COUNTY, parents, overlays)
    layers = apply_overlays(base, chain)
    effective = resolve(COUNTY, base, chain)

    cold = _median_ns(lambda: resolve(COUNTY, base, chain), args.runs)
    apply_ns = _median_ns(lambda: apply_overlays(base, chain), args.runs)
    check_ns = _median_ns(lambda: check_layers(layers), args.runs)
    freeze_ns = _median_ns(lambda: freeze(COUNTY, layers), args.runs)

    def first_validator() -> RecordValidator:
        fresh = freeze(COUNTY, layers)
        return RecordValidator(fresh.document("service_item"), record_schema(fresh, "service_item"))

    generate_ns = _median_ns(first_validator, max(20, args.runs // 10))

    cache = ResolutionCache()
    cache.put(effective)
    versions = effective.versions
    plain = {(COUNTY, versions): effective}
    key = (COUNTY, versions)
    warm = _median_ns(lambda: cache.get_or_resolve(COUNTY, versions, lambda: effective), 20000)
    dict_ns = _median_ns(lambda: plain[key], 20000)

    def check_base() -> None:
        assert base_model_errors(model.as_json())[1] == []

    def explain_base() -> None:
        for key_, doc in model.documents.items():
            assert not document_errors(doc, pointer=f"/documents/{key_}")

    publish_runs = max(5, args.runs // 40)
    check_base_ns = _median_ns(check_base, publish_runs)
    explain_ns = _median_ns(explain_base, publish_runs)
    preview_ns = _median_ns(
        lambda: preview_impact(PROVINCE, (base,), parents, overlays), publish_runs
    )
    preview = preview_impact(PROVINCE, (base,), parents, overlays)

    results = {
        "cold_resolve_us": cold / 1000,
        "apply_us": apply_ns / 1000,
        "check_us": check_ns / 1000,
        "freeze_us": freeze_ns / 1000,
        "first_record_validator_us": generate_ns / 1000,
        "warm_us": warm / 1000,
        "dict_us": dict_ns / 1000,
        "check_base_ms": check_base_ns / 1e6,
        "python_metaschema_ms": explain_ns / 1e6,
        "preview_ms": preview_ns / 1e6,
        "preview_tenants": preview.checked,
    }
    if args.json:
        print(json.dumps(results))
        return
    print(f"county {COUNTY}: {len(effective.documents)} documents, {len(chain)} overlays")
    print("| measure | median | baseline | ratio |")
    print("| --- | --- | --- | --- |")
    print(
        f"| cold resolve (apply + check + freeze) | {cold / 1000:.0f} µs "
        f"(apply {apply_ns / 1000:.0f}, check {check_ns / 1000:.0f}, "
        f"freeze {freeze_ns / 1000:.0f}) | — | — |"
    )
    print(f"| first record validator, service_item | {generate_ns / 1000:.0f} µs | — | — |")
    print(
        f"| warm (in-process cache) | {warm / 1000:.2f} µs | dict {dict_ns / 1000:.2f} µs "
        f"| {warm / dict_ns:.1f}x |"
    )
    print(
        f"| check a base version in full | {check_base_ns / 1e6:.1f} ms "
        f"| python-jsonschema on every document {explain_ns / 1e6:.1f} ms | "
        f"{check_base_ns / explain_ns:.2f} |"
    )
    print(f"| impact preview, {preview.checked} descendants | {preview_ns / 1e6:.1f} ms | — | — |")


if __name__ == "__main__":
    main()
