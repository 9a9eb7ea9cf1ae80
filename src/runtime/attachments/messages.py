"""Messages of attachments: the upload request, the checks after it, downloads."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    # the upload request
    "attachments.type_unknown": "事项类型或表单“{type}”不存在。",
    "attachments.field_unknown": "“{type}”中没有字段“{field}”。",
    "attachments.field_not_attachment": "字段“{field}”不是附件字段，不能上传文件。",
    "attachments.name_invalid": "文件名不合法：{detail}。",
    "attachments.name.empty": "文件名为空",
    "attachments.name.path": "文件名不能包含路径（“/”“\\”或“..”）",
    "attachments.name.control": "文件名不能包含控制字符或文字方向控制符",
    "attachments.name.too_long": "文件名不能超过 {max} 个字符",
    "attachments.extension_mismatch": "文件扩展名“{extension}”与文件类型“{content_type}”不符，该类型的扩展名应为：{expected}。",
    "attachments.type_not_accepted": "不接受“{content_type}”类型的文件，此处可上传：{accepted}。",
    "attachments.empty": "文件为空，请选择有内容的文件。",
    "attachments.too_large": "文件大小 {size} 字节，超过此处允许的 {max_size} 字节。",
    "attachments.not_found": "附件不存在或已过期。",
    "attachments.state": "附件当前状态为“{status}”，不能{action}。",
    "attachments.upload_missing": "尚未收到上传的文件，请先上传再确认。",
    "attachments.token_invalid": "上传或下载链接无效或已过期，请重新申请。",
    "attachments.upload_form_invalid": "上传表单不正确：{detail}。",
    # a record's reference to an attachment
    "attachments.reference_invalid": "附件引用无效：{detail}。",
    "attachments.reference.unknown": "找不到该附件",
    "attachments.reference.unverified": "附件尚未通过检查",
    "attachments.reference.other_field": "附件是为其他字段上传的",
    "attachments.reference.not_owner": "只能使用本人上传的附件",
    "attachments.reference.limits": "附件不符合该字段的类型或大小要求",
    # why a file was rejected after the upload (the attachment's `reason`)
    "attachments.rejected.missing": "存储中找不到上传的文件。",
    "attachments.rejected.empty": "上传的文件为空。",
    "attachments.rejected.too_large": "上传的文件超过允许的大小。",
    "attachments.rejected.size_mismatch": "上传的文件大小与申请时声明的不一致。",
    "attachments.rejected.content_type_tampered": "上传时声明的文件类型与申请时的不一致。",
    "attachments.rejected.type_mismatch": "文件内容与其类型或扩展名不符（例如伪装成图片的网页）。",
    "attachments.rejected.markup": "文件中含有网页或脚本内容，不能作为图片上传。",
    "attachments.rejected.infected": "文件未通过病毒检查（{signature}）。",
    # the scanner and settings
    "attachments.scanner_unavailable": "病毒检查服务暂时不可用，附件将稍后检查。",
    "attachments.settings_invalid": "附件配置不正确：{detail}。",
    # statuses, as shown in messages
    "attachments.status.awaiting_upload": "等待上传",
    "attachments.status.pending": "检查中",
    "attachments.status.verified": "已通过检查",
    "attachments.status.rejected": "未通过检查",
}

register("attachments", DEFAULT_LOCALE, ZH_CN)
