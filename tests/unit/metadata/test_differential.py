"""Equal verdicts: python-jsonschema and jsonschema-rs, 2020-12 and its draft-07 twin.

The record validator's hot path is jsonschema-rs on the draft-07 twin; its
error reports come from python-jsonschema on the 2020-12 schema. This is the
proof that the two may stand in for each other.

Every record schema and form schema the base model and the example overlays
produce is checked on generated payloads, valid-leaning and noisy, by four
validators; all four must agree on every payload, and both verdicts must
actually occur, or the test proves nothing.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from jsonschema import Draft7Validator

from yiwang.metadata.generators.draft07 import to_draft07
from yiwang.metadata.generators.form_schema import citizen_fields, form_schema
from yiwang.metadata.generators.record_schema import compose_schema, record_schema
from yiwang.metadata.generators.validation import (
    authoring_validator,
    fast_validator,
    hot_path_validator,
)
from yiwang.metadata.resolution.resolve import EffectiveModel

from .conftest import PROVINCE
from .payloads import payload_strategy

TENANTS = (PROVINCE, "620102", "620123")
DOCUMENTS = (
    "power_item",
    "responsibility_item",
    "service_item",
    "special_fund",
    "application",
    "certificate",
    "complaint",
    "consultation",
    "evaluation",
    "food_business_license",
    "individual_business_registration",
    "fire_design_review",
    "subsistence_allowance",
    "public_place_hygiene",
)


def _validators(schema: dict[str, Any]) -> dict[str, Any]:
    flat = to_draft07(schema)
    return {
        "python-2020-12": authoring_validator(schema).is_valid,
        "rs-2020-12": fast_validator(schema).is_valid,
        "python-draft-07": Draft7Validator(
            flat, format_checker=Draft7Validator.FORMAT_CHECKER
        ).is_valid,
        "rs-draft-07": jsonschema_rs.Draft7Validator(
            flat, validate_formats=True, offline=True
        ).is_valid,
        "hot-path": hot_path_validator(schema).is_valid,
    }


def _agree(
    schema: dict[str, Any],
    document: dict[str, Any],
    examples: int,
    validators: dict[str, Any] | None = None,
) -> Counter[bool]:
    validators = validators or _validators(schema)
    verdicts: Counter[bool] = Counter()

    @settings(
        max_examples=examples,
        # Same payloads on every run: CI must not pass or fail by the draw.
        derandomize=True,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(payload_strategy(document, accept=validators["python-2020-12"]))
    def check(payload: dict[str, Any]) -> None:
        results = {name: is_valid(payload) for name, is_valid in validators.items()}
        assert len(set(results.values())) == 1, (results, payload)
        verdicts[next(iter(results.values()))] += 1

    check()
    return verdicts


@pytest.mark.parametrize("tenant", TENANTS)
@pytest.mark.parametrize("key", DOCUMENTS)
def test_record_schema_verdicts_agree(
    effective: dict[str, EffectiveModel], tenant: str, key: str
) -> None:
    model = effective[tenant]
    verdicts = _agree(record_schema(model, key), model.document(key), examples=40)
    assert verdicts[False] > 0
    assert verdicts[True] > 0, f"no valid payload generated for {key}: the test proves little"


@pytest.mark.parametrize("tenant", ("620102", "620123"))
@pytest.mark.parametrize("key", DOCUMENTS)
def test_form_schema_verdicts_agree(
    effective: dict[str, EffectiveModel], tenant: str, key: str
) -> None:
    """The flat form schema (both dialects, the one clients and server share) says
    what the layered schema restricted to the form's fields says."""
    model = effective[tenant]
    document = model.document(key)
    verdicts: Counter[bool] = Counter()
    for form_key in document.get("forms", {}):
        layered = compose_schema(model, key, "urn:test", citizen_fields(document, form_key))
        flat = form_schema(model, key, form_key, "2020-12")
        twin = form_schema(model, key, form_key, "draft-07")
        validators = {
            "python-2020-12": authoring_validator(layered).is_valid,
            "rs-layered": fast_validator(layered).is_valid,
            "python-flat": authoring_validator(flat).is_valid,
            "rs-flat": fast_validator(flat).is_valid,
            "python-draft-07": Draft7Validator(
                twin, format_checker=Draft7Validator.FORMAT_CHECKER
            ).is_valid,
            "rs-draft-07": jsonschema_rs.Draft7Validator(
                twin, validate_formats=True, offline=True
            ).is_valid,
        }
        verdicts += _agree(flat, document, examples=20, validators=validators)
    assert verdicts[False] > 0 or not document.get("forms")


def _keywords(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node).union(*(_keywords(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_keywords(v) for v in node))
    return set()


def test_draft07_twin_uses_no_newer_keywords(effective: dict[str, EffectiveModel]) -> None:
    newer = {"$defs", "unevaluatedProperties", "$ref", "dependentRequired", "prefixItems"}
    model = effective["620102"]
    for key in DOCUMENTS:
        flat = to_draft07(record_schema(model, key))
        Draft7Validator.check_schema(flat)
        found = _keywords(flat) & newer
        assert found == set(), key
        assert flat["$schema"] == "http://json-schema.org/draft-07/schema#"
        assert flat["additionalProperties"] is False
