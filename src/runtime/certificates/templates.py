"""Certificate templates from metadata, and the certificate a completed case gets.

A business form document may declare `certificates` (see
`tenant_templates/base/forms/food_business_license.yaml`): per template its
title (证照名称), licence type name and code, which fields name the holder,
how many years it is valid, the seal's name, and the face (照面信息): the
fields printed, in order, each with an optional label. Values are printed as
a person reads them: a code as its label, several codes joined by "、", a
date as 2026年11月27日, a boolean as 是/否, money (分) in 元.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from yiwang.metadata.documents.shapes import Document
from yiwang.platform.errors import ErrorDetail
from yiwang.platform.i18n import translate
from yiwang.runtime.certificates.document import Certificate, FaceItem, validate_certificate
from yiwang.runtime.certificates.errors import CertificateInvalid
from yiwang.runtime.certificates.identifier import build_identifier
from yiwang.runtime.certificates.rendering import format_date


@dataclass(frozen=True)
class FaceEntry:
    """One printed field: its key, printed label, type and, for codes, code -> label."""

    field: str
    label: str
    type: str
    labels: Mapping[str, str]


@dataclass(frozen=True)
class CertificateTemplate:
    document: str
    key: str
    title: str
    license_type_name: str
    license_type_code: str
    holder_name: FaceEntry
    holder_code: FaceEntry
    holder_code_type: str
    validity_years: int | None
    seal_name: str | None
    face: tuple[FaceEntry, ...]


def _entry(document: Document, field: str, label: str | None = None) -> FaceEntry:
    spec = document["fields"][field]
    code_list = document.get("code_lists", {}).get(spec.get("code_list", ""), {})
    labels = {v["code"]: v["label"] for v in code_list.get("values", [])}
    return FaceEntry(field=field, label=label or spec["label"], type=spec["type"], labels=labels)


def certificate_template(document: Document, key: str) -> CertificateTemplate:
    """Template `key` of an effective (self-contained) document, already checked by metadata."""
    template = document.get("certificates", {}).get(key)
    if template is None:
        raise CertificateInvalid(
            "certificates.template_missing",
            pointer=f"/certificates/{key}",
            document=document.get("key", ""),
            template=key,
        )
    holder = template["holder"]
    return CertificateTemplate(
        document=document["key"],
        key=key,
        title=template["title"],
        license_type_name=template["license_type_name"],
        license_type_code=template["license_type_code"],
        holder_name=_entry(document, holder["name"]),
        holder_code=_entry(document, holder["code"]),
        holder_code_type=holder["code_type"],
        validity_years=template.get("validity_years"),
        seal_name=template.get("seal_name"),
        face=tuple(_entry(document, e["field"], e.get("label")) for e in template["face"]),
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def format_value(entry: FaceEntry, value: Any, divisions: Mapping[str, str]) -> str:
    """`value` of `entry` as printed on the face; a value of an unexpected shape prints as is."""
    try:
        return _formatted(entry, value, divisions)
    except (ValueError, TypeError, ArithmeticError):
        return str(value)


def _formatted(entry: FaceEntry, value: Any, divisions: Mapping[str, str]) -> str:
    kind = entry.type
    if kind == "code":
        return entry.labels.get(str(value), str(value))
    if kind == "multi_code":
        values = value if isinstance(value, list) else [value]
        return "、".join(entry.labels.get(str(v), str(v)) for v in values)
    if kind == "boolean":
        return translate("certificates.face.yes" if value else "certificates.face.no")
    if kind == "date":
        return format_date(date.fromisoformat(str(value)))
    if kind == "money":
        yuan = Decimal(int(value)) / 100
        return translate("certificates.face.money", yuan=f"{yuan:,.2f}")
    if kind == "division":
        return divisions.get(str(value), str(value))
    if kind == "decimal":
        return format(Decimal(str(value)), "f")
    return str(value)


def face_content(
    template: CertificateTemplate,
    data: Mapping[str, Any],
    *,
    divisions: Mapping[str, str] | None = None,
) -> tuple[FaceItem, ...]:
    """The face of `data` (a case's business form); empty optional values are left out."""
    names = divisions or {}
    return tuple(
        FaceItem(item=entry.label, value=format_value(entry, data[entry.field], names))
        for entry in template.face
        if not _empty(data.get(entry.field))
    )


def default_valid_to(valid_from: date, years: int | None) -> date | None:
    """The last day of `years` years from `valid_from` (29 February falls back to the 28th)."""
    if years is None:
        return None
    try:
        end = valid_from.replace(year=valid_from.year + years)
    except ValueError:
        end = valid_from.replace(year=valid_from.year + years, day=28)
    return end - timedelta(days=1)


def _required(template: CertificateTemplate, entry: FaceEntry, data: Mapping[str, Any]) -> str:
    value = data.get(entry.field)
    if _empty(value):
        raise CertificateInvalid(
            "certificates.template.face_value_missing",
            pointer=f"/{entry.field}",
            details=[
                ErrorDetail(
                    "certificates.template.face_value_missing",
                    f"/{entry.field}",
                    {"label": entry.label, "field": entry.field},
                )
            ],
            label=entry.label,
            field=entry.field,
        )
    return str(value).strip()


def _holder_code(template: CertificateTemplate, data: Mapping[str, Any]) -> str:
    code = _required(template, template.holder_code, data)
    return code.upper() if template.holder_code_type in ("credit_code", "id_card") else code


def build_certificate(
    template: CertificateTemplate,
    data: Mapping[str, Any],
    *,
    issuer_name: str,
    issuer_code: str,
    area_code: str,
    license_number: str,
    issue_date: date,
    seal_time: datetime,
    serial: str | None = None,
    version: int = 1,
    valid_from: date | None = None,
    valid_to: date | None = None,
    seal_by: str | None = None,
    application: str | None = None,
    divisions: Mapping[str, str] | None = None,
) -> Certificate:
    """The certificate of a completed case, checked; the identifier is built here.

    The serial defaults to the licence number (it must then be 1 to 32 digits
    or upper-case letters); validity runs from the issue date for the
    template's years unless given.
    """
    identifier = build_identifier(
        template.license_type_code, issuer_code, serial or license_number, version
    )
    start = valid_from or issue_date
    certificate = Certificate(
        license_name=template.title,
        license_type_name=template.license_type_name,
        license_type_code=identifier.license_type_code,
        license_number=license_number,
        license_identifier=str(identifier),
        issuer_name=issuer_name,
        issuer_code=identifier.issuer_code,
        issue_date=issue_date,
        holder_name=_required(template, template.holder_name, data),
        holder_code_type=template.holder_code_type,
        holder_code=_holder_code(template, data),
        valid_from=start,
        valid_to=valid_to or default_valid_to(start, template.validity_years),
        area_code=area_code,
        face_content=face_content(template, data, divisions=divisions),
        seal_name=template.seal_name,
        seal_by=seal_by or issuer_name,
        seal_time=seal_time,
        application=application,
    )
    return validate_certificate(certificate)
