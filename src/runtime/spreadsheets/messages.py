"""Messages of spreadsheet exports and imports."""

from __future__ import annotations

from typing import Final

from yiwang.platform.messages import DEFAULT_LOCALE, register

ZH_CN: Final[dict[str, str]] = {
    # the file as a whole
    "spreadsheets.not_xlsx": "文件不是 Excel 工作簿（.xlsx），无法导入。请在 Excel 或 WPS 中另存为“Excel 工作簿（*.xlsx）”后再上传。",
    "spreadsheets.legacy_or_encrypted": "文件是旧版 Excel（.xls）或设置了打开密码的工作簿，无法导入。请另存为不加密的 .xlsx 文件后再上传。",
    "spreadsheets.has_macros": "文件包含宏（VBA），不予导入。请另存为不含宏的 .xlsx 文件。",
    "spreadsheets.corrupt": "文件已损坏或不完整，无法读取。",
    "spreadsheets.too_large": "文件过大：最大 {limit} MB，实际 {actual} MB。",
    "spreadsheets.uncompressed_too_large": "文件解压后超过 {limit} MB，可能是恶意构造的压缩文件，已拒绝。",
    "spreadsheets.xml_dtd": "文件含有不允许的 XML 文档类型声明（DTD），已拒绝。",
    "spreadsheets.no_sheet": "工作簿中没有工作表。",
    "spreadsheets.no_header": "工作表是空的：第一个工作表中没有表头行。",
    "spreadsheets.too_many_rows": "数据行过多：一次最多导入 {limit} 行，文件中至少有 {actual} 行。请分批导入。",
    "spreadsheets.too_many_columns": "列数过多：最多 {limit} 列，文件中有 {actual} 列。",
    # columns
    "spreadsheets.column_unknown": "第 {row} 行 {column} 列：不认识的列“{header}”。",
    "spreadsheets.column_unlabelled": "{column} 列有数据但没有表头（表头在第 {row} 行）。",
    "spreadsheets.column_duplicate": "第 {row} 行 {column} 列：列“{header}”与 {first} 列重复。",
    "spreadsheets.column_missing": "缺少必填列“{header}”。",
    # cells
    "spreadsheets.cell_formula": "第 {row} 行 {column} 列（{header}）：单元格含有公式，请直接填写值，不要使用公式。",
    "spreadsheets.cell_error_value": "第 {row} 行 {column} 列（{header}）：单元格是错误值 {value}。",
    "spreadsheets.cell_too_long": "第 {row} 行 {column} 列（{header}）：内容过长，最多 {limit} 个字符，实际 {actual} 个。",
    "spreadsheets.cell_invalid": "第 {row} 行 {column} 列（{header}）：{problem}",
    "spreadsheets.row_invalid": "第 {row} 行：{problem}",
    # the summary
    "spreadsheets.invalid": "表格中有 {count} 处问题，未导入任何数据。请修改后重新上传。",
}

register("runtime.spreadsheets", DEFAULT_LOCALE, ZH_CN)
