"""Fixtures: the base model's 食品经营许可证 template, a case's form data, a key, a font."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from yiwang.metadata.resolution.resolve import EffectiveModel, base_layer, resolve
from yiwang.metadata.versions.bundled import load_base_model
from yiwang.platform.settings import bundled_templates
from yiwang.runtime.certificates.authority import CertificateAuthority
from yiwang.runtime.certificates.document import Certificate
from yiwang.runtime.certificates.fonts import FontSpec, find_font
from yiwang.runtime.certificates.settings import CertificateSettings
from yiwang.runtime.certificates.signing import Ed25519Signer, PublicKeySet
from yiwang.runtime.certificates.templates import (
    CertificateTemplate,
    build_certificate,
    certificate_template,
)

TEMPLATES = bundled_templates()
CST = timezone(timedelta(hours=8))
#: fictional bodies; their credit codes carry correct GB 32100 check characters
HOLDER_CODE = "92620102MA7123456P"
ISSUER_CODE = "11620102MB1234567B"
VERIFY_URL = "https://zwfw.example.gov.cn/api/v1/certificates/verify/{identifier}"


@pytest.fixture(scope="session")
def province() -> EffectiveModel:
    return resolve("620000", base_layer("620000", load_base_model(TEMPLATES)), [])


@pytest.fixture(scope="session")
def template(province: EffectiveModel) -> CertificateTemplate:
    return certificate_template(province.document("food_business_license"), "food_business")


def food_form_data() -> dict[str, Any]:
    """The part of a 食品经营许可 application the face shows."""
    return {
        "operator_name": "兰州市城关区张记牛肉面馆",
        "credit_code": HOLDER_CODE,
        "legal_representative": "张建国",
        "residence": "甘肃省兰州市城关区庆阳路 188 号",
        "premises_address": "甘肃省兰州市城关区庆阳路 188 号一层",
        "main_business": ["catering"],
        "business_items": ["hot_food", "cold_food"],
        "network_operation": False,
    }


def food_certificate(template: CertificateTemplate, form_data: dict[str, Any]) -> Certificate:
    return build_certificate(
        template,
        form_data,
        issuer_name="兰州市城关区市场监督管理局",
        issuer_code=ISSUER_CODE,
        area_code="620102",
        license_number="JY26201020000123",
        issue_date=date(2026, 11, 27),
        seal_time=datetime(2026, 11, 27, 10, 30, tzinfo=CST),
        application="case-0001",
    )


@pytest.fixture
def form_data() -> dict[str, Any]:
    return food_form_data()


@pytest.fixture
def certificate(template: CertificateTemplate, form_data: dict[str, Any]) -> Certificate:
    return food_certificate(template, form_data)


@pytest.fixture(scope="session")
def font() -> FontSpec:
    return find_font(CertificateSettings())


@pytest.fixture(scope="session")
def signer() -> Ed25519Signer:
    return Ed25519Signer.generate()


@pytest.fixture(scope="session")
def authority(signer: Ed25519Signer, font: FontSpec) -> CertificateAuthority:
    return CertificateAuthority(signer, PublicKeySet(), font, VERIFY_URL)
