"""Personal data kept apart from a record's clear data, masked, and put back."""

from __future__ import annotations

from yiwang.metadata.resolution.resolve import EffectiveModel
from yiwang.policy.identity.crypto import FieldCipher, generate_key
from yiwang.runtime.records import privacy

APPLICATION = {
    "applicant_type": "1",
    "applicant_name": "欧阳娜娜",
    "id_type": "id_card",
    "id_number": "620102199001011237",
    "contact_phone": "13912345678",
    "email": "nana@example.cn",
    "contact_address": "兰州市城关区张掖路 1 号",
    "channel": "online",
}


def test_personal_fields_leave_the_clear_data(province: EffectiveModel) -> None:
    split = privacy.split(province.document("application"), APPLICATION)
    assert split.plain == {"applicant_type": "1", "id_type": "id_card", "channel": "online"}
    assert set(split.secret) == {
        "applicant_name",
        "id_number",
        "contact_phone",
        "email",
        "contact_address",
    }
    assert split.masked == {
        "applicant_name": "欧**娜",
        "id_number": "620102********1237",
        "contact_phone": "139****5678",
        "email": "n***@example.cn",
        "contact_address": "兰州市城******",  # the first third stays
    }
    assert split.lookup["id_number"] == "620102199001011237"
    assert privacy.merge(split.plain, split.secret) == APPLICATION


def test_personal_columns_of_tables_are_split_row_by_row(province: EffectiveModel) -> None:
    form = province.document("individual_business_registration")
    values = {
        "operation_form": "family",
        "family_members": [
            {
                "member_name": "李四娘",
                "member_id_number": "62010219920202124X",
                "relation": "spouse",
            },
            {"member_name": "王五", "member_id_number": "620102201001011232", "relation": "child"},
        ],
    }
    split = privacy.split(form, values)
    assert split.plain["family_members"] == [{"relation": "spouse"}, {"relation": "child"}]
    assert split.masked["family_members"] == [
        {"member_name": "李*娘", "member_id_number": "620102********124X"},
        {"member_name": "王*", "member_id_number": "620102********1232"},
    ]
    assert privacy.merge(split.plain, split.secret) == values
    assert "family_members" not in split.lookup


def test_a_sealed_part_opens_only_for_its_tenant_and_type() -> None:
    cipher = FieldCipher.from_settings({"k1": generate_key()}, "k1", generate_key())
    seal = privacy.PiiSeal(cipher)
    token = seal.seal(7, "application", {"data": {"applicant_name": "张三"}})
    assert "张三" not in token
    assert seal.open(7, "application", token) == {"data": {"applicant_name": "张三"}}
    import pytest

    from yiwang.platform.errors import InvalidInput

    with pytest.raises(InvalidInput):
        seal.open(8, "application", token)
    assert seal.blind_index("application", "id_number", " 62010219900101123x ") == seal.blind_index(
        "application", "id_number", "62010219900101123X"
    )
