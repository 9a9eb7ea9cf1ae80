"""Certificate templates in metadata, and the certificate document built from one."""

from __future__ import annotations

import copy
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import msgspec
import pytest

from yiwang.metadata.documents.checks import check_document
from yiwang.metadata.documents.errors import MetadataInvalid
from yiwang.metadata.documents.metaschemas import document_errors
from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.metadata.versions.bundled import load_base_model
from yiwang.runtime.certificates.document import (
    Certificate,
    certificate_problems,
    convert_certificate,
    validate_certificate,
)
from yiwang.runtime.certificates.errors import CertificateInvalid, IdentifierInvalid
from yiwang.runtime.certificates.identifier import parse_identifier
from yiwang.runtime.certificates.templates import (
    CertificateTemplate,
    FaceEntry,
    build_certificate,
    certificate_template,
    default_valid_to,
    format_value,
)

from .conftest import CST, HOLDER_CODE, ISSUER_CODE


def test_the_base_model_carries_the_food_licence_template(template: CertificateTemplate) -> None:
    assert template.title == "食品经营许可证"
    assert template.license_type_code == "11100000MB0143028R002"
    assert template.holder_code_type == "credit_code"
    assert [e.field for e in template.face][:3] == [
        "operator_name",
        "credit_code",
        "legal_representative",
    ]
    assert template.face[1].label == "社会信用代码"  # relabelled in the template
    assert template.face[0].label == "经营者名称"  # the field's own label


def test_the_face_prints_labels_not_codes(certificate: Certificate) -> None:
    face = {item.item: item.value for item in certificate.face_content}
    assert face["经营者名称"] == "兰州市城关区张记牛肉面馆"
    assert face["主体业态"] == "餐饮服务经营者"
    assert face["经营项目"] == "热食类食品制售、冷食类食品制售"
    assert face["社会信用代码"] == HOLDER_CODE


def test_the_built_certificate_has_every_metadata_element(certificate: Certificate) -> None:
    identifier = parse_identifier(certificate.license_identifier)
    assert identifier.issuer_code == ISSUER_CODE == certificate.issuer_code
    assert identifier.serial == certificate.license_number
    assert identifier.license_type_code == certificate.license_type_code
    assert certificate.license_name == certificate.license_type_name == "食品经营许可证"
    assert certificate.holder_name == "兰州市城关区张记牛肉面馆"
    assert (certificate.holder_code, certificate.holder_code_type) == (HOLDER_CODE, "credit_code")
    assert (certificate.valid_from, certificate.valid_to) == (
        date(2026, 11, 27),
        date(2031, 11, 26),
    )
    assert certificate.seal_by == "兰州市城关区市场监督管理局"
    assert certificate.seal_name == "食品经营许可专用章"
    assert certificate.cert_status == "current" and certificate.changes == ()


def test_the_document_uses_the_field_names_of_the_base_certificate_type(
    province: EffectiveModel, certificate: Certificate
) -> None:
    base_fields = set(province.document("certificate")["fields"])
    document_fields = set(certificate.as_json())
    assert document_fields == base_fields - {"file"}


def test_an_empty_optional_face_value_is_left_out(
    template: CertificateTemplate, form_data: dict[str, Any]
) -> None:
    form_data["legal_representative"] = ""
    cert = _build(template, form_data)
    assert "法定代表人（负责人）" not in [item.item for item in cert.face_content]


def test_a_missing_holder_is_refused_with_its_pointer(
    template: CertificateTemplate, form_data: dict[str, Any]
) -> None:
    del form_data["operator_name"]
    with pytest.raises(CertificateInvalid) as exc:
        _build(template, form_data)
    assert exc.value.code == "certificates.template.face_value_missing"
    assert exc.value.pointer == "/operator_name"
    assert "经营者名称" in exc.value.message()


def test_an_invalid_holder_credit_code_is_refused(
    template: CertificateTemplate, form_data: dict[str, Any]
) -> None:
    form_data["credit_code"] = HOLDER_CODE[:-1] + "Q"
    with pytest.raises(CertificateInvalid) as exc:
        _build(template, form_data)
    assert [d.code for d in exc.value.details] == ["certificates.document.holder_credit_code"]
    assert exc.value.details[0].pointer == "/holder_code"


def test_a_licence_number_unfit_for_a_serial_needs_its_own_serial(
    template: CertificateTemplate, form_data: dict[str, Any]
) -> None:
    with pytest.raises(IdentifierInvalid):
        _build(template, form_data, license_number="JY-2620102-0000123")
    cert = _build(
        template, form_data, license_number="JY-2620102-0000123", serial="JY26201020000123"
    )
    assert cert.license_number == "JY-2620102-0000123"
    assert parse_identifier(cert.license_identifier).serial == "JY26201020000123"


def test_an_unknown_template_is_refused(province: EffectiveModel) -> None:
    with pytest.raises(CertificateInvalid) as exc:
        certificate_template(province.document("food_business_license"), "nope")
    assert exc.value.code == "certificates.template_missing"


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        (date(2026, 11, 27), 5, date(2031, 11, 26)),
        (date(2024, 2, 29), 1, date(2025, 2, 27)),
        (date(2026, 1, 1), None, None),
    ],
)
def test_default_validity(start: date, years: int | None, end: date | None) -> None:
    assert default_valid_to(start, years) == end


def test_canonical_bytes_survive_a_round_trip(certificate: Certificate) -> None:
    data = certificate.canonical_bytes()
    again = convert_certificate(msgspec.json.decode(data))
    assert again == certificate
    assert again.canonical_bytes() == data
    assert data.startswith(b'{"application":"case-0001","area_code":"620102"')
    assert "兰州市城关区张记牛肉面馆".encode() in data  # UTF-8, not \\u escapes


@pytest.mark.parametrize(
    ("change", "code", "pointer"),
    [
        (
            {"license_type_code": "11100000MB0143028R003"},
            "certificates.document.license_type_code_mismatch",
            "/license_type_code",
        ),
        (
            {"issuer_code": "11620102MB9876543B"},
            "certificates.document.issuer_code_mismatch",
            "/issuer_code",
        ),
        ({"valid_to": date(2020, 1, 1)}, "certificates.document.validity_order", "/valid_to"),
        ({"area_code": "62010"}, "certificates.document.area_code", "/area_code"),
        ({"cert_status": "cancelled"}, "certificates.document.cancel_reason", "/cancel_reason"),
        ({"holder_code_type": "id_card"}, "certificates.document.holder_id_card", "/holder_code"),
        (
            {"license_identifier": "1.2.156.3005.2.x"},
            "certificates.identifier.format",
            "/license_identifier",
        ),
    ],
)
def test_inconsistent_documents_name_the_field(
    certificate: Certificate, change: dict[str, Any], code: str, pointer: str
) -> None:
    broken = msgspec.structs.replace(certificate, **change)
    problems = certificate_problems(broken)
    assert [(p.code, p.pointer) for p in problems] == [(code, pointer)]
    with pytest.raises(CertificateInvalid):
        validate_certificate(broken)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"holder_name": ""}, "/holder_name"),
        ({"seal_time": "2026-11-27T10:30:00"}, "/seal_time"),  # no offset
        ({"face_content": [{"item": "经营者名称"}]}, "/face_content/0"),
        ({"colour": "red"}, None),
    ],
)
def test_badly_typed_documents_are_refused(
    certificate: Certificate, change: dict[str, Any], pointer: str | None
) -> None:
    value = {**certificate.as_json(), **change}
    with pytest.raises(CertificateInvalid) as exc:
        convert_certificate(value)
    assert exc.value.code == "certificates.document_invalid"
    assert exc.value.pointer == pointer


def _build(template: CertificateTemplate, data: dict[str, Any], **overrides: Any) -> Certificate:
    args: dict[str, Any] = {
        "issuer_name": "兰州市城关区市场监督管理局",
        "issuer_code": ISSUER_CODE,
        "area_code": "620102",
        "license_number": "JY26201020000123",
        "issue_date": date(2026, 11, 27),
        "seal_time": datetime(2026, 11, 27, 10, 30, tzinfo=CST),
    }
    return build_certificate(template, data, **{**args, **overrides})


# --- the metadata side: the template section of a document is checked like the rest


def _food_document(province: EffectiveModel) -> dict[str, Any]:
    return copy.deepcopy(province.document("food_business_license"))


def _errors(document: dict[str, Any], province: EffectiveModel) -> list[tuple[str, str | None]]:
    shared = province.layers[0].model.code_lists
    found = document_errors(document) or check_document(
        document, types=set(), shared_code_lists=shared, base_layer=True
    )
    return [(d.code, d.pointer) for d in found]


def test_the_shipped_template_passes_the_checks(province: EffectiveModel) -> None:
    assert _errors(_food_document(province), province) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t["face"].append({"field": "nope"}),
            ("metadata.certificate.field_missing", "/certificates/food_business/face/7/field"),
        ),
        (
            lambda t: t["face"].append({"field": "operator_name"}),
            ("metadata.certificate.field_duplicate", "/certificates/food_business/face/7/field"),
        ),
        (
            lambda t: t["face"].append({"field": "layout_plan"}),
            ("metadata.certificate.field_unprintable", "/certificates/food_business/face/7/field"),
        ),
        (
            lambda t: t["holder"].update(name="nope"),
            ("metadata.certificate.field_missing", "/certificates/food_business/holder/name"),
        ),
        (
            lambda t: t["holder"].update(code_type="licence_plate"),
            (
                "metadata.certificate.code_type_unknown",
                "/certificates/food_business/holder/code_type",
            ),
        ),
        (
            lambda t: t.update(license_type_code="11100000MB0143028X002"),
            (
                "metadata.certificate.type_code_invalid",
                "/certificates/food_business/license_type_code",
            ),
        ),
        (
            lambda t: t.update(license_type_code="11100000MB0143028R02"),
            (
                "metadata.certificate.type_code_format",
                "/certificates/food_business/license_type_code",
            ),
        ),
        (
            lambda t: t.update(face=[]),
            ("metadata.schema.min_items", "/certificates/food_business/face"),
        ),
    ],
)
def test_template_mistakes_are_named_with_their_pointer(
    province: EffectiveModel, edit: Any, expected: tuple[str, str]
) -> None:
    document = _food_document(province)
    edit(document["certificates"]["food_business"])
    assert expected in _errors(document, province)


def test_base_template_keys_may_not_take_the_regional_prefix(province: EffectiveModel) -> None:
    document = _food_document(province)
    document["certificates"]["x_local"] = document["certificates"]["food_business"]
    assert ("metadata.document.x_prefix_reserved", "/certificates/x_local") in _errors(
        document, province
    )


def test_a_template_error_in_the_base_files_stops_loading(tmp_path: Path) -> None:
    root = tmp_path / "tenant_templates"
    shutil.copytree(
        Path(__file__).resolve().parents[4] / "tenant_templates" / "base", root / "base"
    )
    form = root / "base" / "forms" / "food_business_license.yaml"
    form.write_text(
        form.read_text("utf-8").replace("{field: residence}", "{field: residenc}"), "utf-8"
    )
    with pytest.raises(MetadataInvalid) as exc:
        load_base_model(root)
    assert "metadata.certificate.field_missing" in [d.code for d in exc.value.details]


@pytest.mark.parametrize(
    ("kind", "value", "printed"),
    [
        ("boolean", True, "是"),
        ("boolean", False, "否"),
        ("date", "2026-03-08", "2026年3月8日"),
        ("date", "not a date", "not a date"),
        ("money", 123456, "1,234.56 元"),
        ("decimal", 120.5, "120.5"),
        ("division", "620102", "城关区"),
        ("code", "unknown", "unknown"),
        ("multi_code", "catering", "餐饮服务经营者"),
        ("integer", 12, "12"),
    ],
)
def test_face_values_print_as_people_read_them(kind: str, value: Any, printed: str) -> None:
    entry = FaceEntry(field="f", label="F", type=kind, labels={"catering": "餐饮服务经营者"})
    assert format_value(entry, value, {"620102": "城关区"}) == printed
