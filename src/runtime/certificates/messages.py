"""Messages of electronic licences: identifiers, documents, keys, rendering, verification."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    # identifiers (GB/T 36904)
    "certificates.identifier_invalid": "证照标识“{identifier}”不符合 GB/T 36904 的规定。",
    "certificates.identifier.format": (
        "证照标识应为“1.2.156.3005.2.证照类型代码.颁证单位代码.流水号.版本号.校验位”，共 10 段，以“.”分隔。"
    ),
    "certificates.identifier.root": "证照标识应以电子证照根代码 1.2.156.3005.2 开头。",
    "certificates.identifier.type_code": (
        "证照类型代码“{segment}”应为证照定义机构的统一社会信用代码（18 位）加 3 位数字顺序号。"
    ),
    "certificates.identifier.issuer_code": (
        "颁证单位代码“{segment}”不是有效的统一社会信用代码（18 位，含正确的校验位）。"
    ),
    "certificates.identifier.serial": "流水号“{segment}”应为 1 至 32 位数字或大写字母。",
    "certificates.identifier.version": "版本号“{segment}”应为 3 位数字，从 001 开始。",
    "certificates.identifier.check_character": (
        "证照标识的校验位“{segment}”与其余各段不符，请核对证照标识是否抄录有误。"
    ),
    # the certificate document and its template
    "certificates.document_invalid": "电子证照数据中 {detail} 的取值缺失或不符合要求。",
    "certificates.document.license_type_code_mismatch": "证照数据中的证照类型代码与证照标识中的不一致。",
    "certificates.document.issuer_code_mismatch": "证照数据中的颁证单位代码与证照标识中的不一致。",
    "certificates.document.validity_order": "有效期截止日期 {valid_to} 早于起始日期 {valid_from}。",
    "certificates.document.holder_credit_code": "持证主体代码“{value}”不是有效的统一社会信用代码。",
    "certificates.document.holder_id_card": "持证主体代码“{value}”不是有效的居民身份证号码。",
    "certificates.document.area_code": "颁证单位所在地区划代码“{value}”应为 6 位数字。",
    "certificates.document.cancel_reason": "注销证照须写明注销原因。",
    "certificates.template_missing": "业务表单“{document}”没有名为“{template}”的证照模板。",
    "certificates.template.face_value_missing": "照面信息“{label}”（字段 {field}）没有取值。",
    "certificates.revocation_invalid": "注销记录中 {detail} 的取值缺失或不符合要求。",
    "certificates.revocation.reason_required": "注销证照须写明注销原因。",
    "certificates.revocation.actor_required": "注销证照须记录经办人。",
    "certificates.not_found": "未找到证照标识为“{identifier}”的电子证照。",
    "certificates.already_revoked": "证照“{identifier}”已于 {time} 注销，不能重复注销。",
    # keys and settings
    "certificates.settings.key_ambiguous": (
        "YIWANG_CERTIFICATE_SIGNING_KEY 与 YIWANG_CERTIFICATE_SIGNING_KEY_FILE 只能设置其中一个。"
    ),
    "certificates.settings.key_required": (
        "生产环境必须配置证照签名密钥（YIWANG_CERTIFICATE_SIGNING_KEY_FILE 或 YIWANG_CERTIFICATE_SIGNING_KEY）。"
    ),
    "certificates.settings.verify_url_required": (
        "生产环境必须设置 YIWANG_CERTIFICATE_VERIFY_URL，即证照二维码指向的公网核验地址。"
    ),
    "certificates.settings.verify_url_placeholder": (
        "YIWANG_CERTIFICATE_VERIFY_URL 必须包含 {{identifier}}，用于填入证照标识。"
    ),
    "certificates.settings.font_index": "YIWANG_CERTIFICATE_FONT_INDEX 必须是非负整数。",
    "certificates.settings.font_missing": "YIWANG_CERTIFICATE_FONT 指向的字体文件 {path} 不存在。",
    "certificates.settings.key_set_shape": "公钥集应为 JWK Set：一个包含 keys 列表的 JSON 对象。",
    "certificates.settings.key_set_entry": "公钥集中第 {index} 个密钥无法读取，或其类型不受支持。",
    "certificates.settings.kid_conflict": "密钥标识 {kid} 对应了两个不同的公钥。",
    "certificates.key.unreadable_pem": "证照签名密钥不是可读取的未加密 PKCS#8 PEM 私钥。",
    "certificates.key.not_ed25519": "证照签名密钥不是 Ed25519 密钥。",
    "certificates.key.seed_format": "证照签名密钥应为 PEM 文本，或 32 字节 Ed25519 种子的 base64url 编码。",
    "certificates.key.file_unreadable": "无法读取证照签名密钥或公钥集文件 {path}。",
    # rendering
    "certificates.font_unavailable": (
        "找不到可用于生成证照文件的中文字体（需要 TrueType 轮廓的字体，如 fonts-wqy-zenhei），"
        "请安装字体或设置 YIWANG_CERTIFICATE_FONT。"
    ),
    "certificates.glyph_missing": "证照字体缺少以下字符的字形，无法生成证照文件：{characters}",
    # verification (one message per verdict)
    "certificates.verify.valid": (
        "证照有效：{license_name}，持证主体 {holder_name}，颁证单位 {issuer_name}，证照编号 {license_number}。"
    ),
    "certificates.verify.revoked": "该证照已于 {time} 注销，注销原因：{reason}。",
    "certificates.verify.expired": "该证照的有效期已于 {valid_to} 届满，已不在有效期内。",
    "certificates.verify.not_yet_valid": "该证照自 {valid_from} 起生效，目前尚未生效。",
    "certificates.verify.signature_invalid": (
        "证照签名验证未通过：证照内容或签名已被改动，不能作为有效证照使用。"
    ),
    "certificates.verify.unknown_key": (
        "证照签名所用的密钥（{kid}）不在本平台公布的公钥中，无法核验真伪。"
    ),
    "certificates.verify.identifier_invalid": "证照标识“{identifier}”不正确，无法核验。",
    "certificates.verify.identifier_mismatch": "证照文件中的证照标识与所查询的证照标识不一致。",
    "certificates.verify.header_invalid": "证照签名的格式不正确，无法读取签名信息。",
    # labels printed on the rendered certificate
    "certificates.face.license_number": "证照编号",
    "certificates.face.holder_name": "持证主体",
    "certificates.face.validity": "有效期",
    "certificates.face.validity_range": "{valid_from} 至 {valid_to}",
    "certificates.face.validity_open": "{valid_from} 起长期有效",
    "certificates.face.issuer": "颁证单位",
    "certificates.face.issue_date": "颁证日期",
    "certificates.face.identifier": "证照标识",
    "certificates.face.scan_to_verify": "扫描二维码核验本证照",
    "certificates.face.cancelled": "已注销",
    "certificates.face.date": "{year}年{month}月{day}日",
    "certificates.face.time": "{year}年{month}月{day}日 {hour:02d}:{minute:02d}",
    "certificates.face.money": "{yuan} 元",
    "certificates.face.yes": "是",
    "certificates.face.no": "否",
}

register("runtime.certificates", DEFAULT_LOCALE, ZH_CN)
