"""L1 import: leads from a CSV (UTF-8 with or without BOM, or GBK) or XLSX file.

Every row goes through `lead_capture(source=IMPORT)` in its own savepoint, so a bad row is reported
(row number, column, Chinese sentence) and never stops the good ones. A row's idempotency key is the file's
hash plus its row number: uploading the same file again creates nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shangji.core.registry import setting
from shangji.leads.choices import Source
from shangji.leads.services import LeadInput, lead_capture

# Column → LeadInput field. The Chinese headers are what people type; the English field names also work.
COLUMNS = {"姓名": "name", "公司": "company", "手机": "phone", "邮箱": "email", "职务": "title", "城市": "city",
           "行业": "industry", "需求": "need", "预算": "budget", "规模": "scale"}
FIELD_LABELS = {value: key for key, value in COLUMNS.items()}
TEMPLATE_HEADER = list(COLUMNS)


class ImportRefused(ValidationError):
    """The file as a whole cannot be read (wrong type, too big, too many rows, no name column)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    already: int = 0  # rows of a file imported before
    errors: list[RowError] = field(default_factory=list)


def _refuse(message: str) -> ImportRefused:
    return ImportRefused({"file": [message]}, code="import_refused")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 13800138000 as a number
    return str(value).strip()


def _csv_rows(content: bytes) -> list[list[str]]:
    if b"\x00" in content[:4096]:
        raise _refuse(_("这不是 CSV 文件（含有二进制内容），请上传 CSV 或 Excel（.xlsx）文件。"))
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 reads every GBK file
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _refuse(_("无法识别文件编码，请另存为 UTF-8 或 GBK 编码的 CSV。"))
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as error:
        raise _refuse(_("CSV 格式错误：%(error)s") % {"error": error}) from error


def _xlsx_rows(content: bytes, limit: int) -> list[list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as error:
        raise _refuse(_("无法读取该 Excel 文件，请确认是 .xlsx 格式（旧版 .xls 请另存为 .xlsx）。")) from error
    try:
        rows = []
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            rows.append([_text(value) for value in values])
            if len(rows) > limit + 1:  # header + limit data rows; one more is enough to refuse
                break
        return rows
    finally:
        workbook.close()


def read_rows(*, name: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """(row number as the user sees it, {field: text}) for each non-empty data row."""
    limit = setting("leads.import_max_rows")
    lowered = name.lower()
    if lowered.endswith(".xlsx") and content[:2] == b"PK":
        raw = _xlsx_rows(content, limit)
    elif lowered.endswith(".csv"):
        raw = _csv_rows(content)
    else:
        raise _refuse(_("只支持 CSV 或 Excel（.xlsx）文件，“%(name)s”不是。") % {"name": name[:80]})
    if not raw:
        raise _refuse(_("文件是空的。"))
    header = [COLUMNS.get(cell.strip(), cell.strip() if cell.strip() in FIELD_LABELS else None) for cell in raw[0]]
    if "name" not in header:
        raise _refuse(_("第 1 行需要是表头，且包含“姓名”列。可下载导入模板对照。"))
    rows = [(number, row) for number, row in enumerate(raw[1:], start=2) if any(cell.strip() for cell in row)]
    if len(rows) > limit:
        raise _refuse(_("文件有 %(n)s 行数据，超过单次导入上限 %(max)s 行，请拆分后再导入。")
                      % {"n": len(rows), "max": limit})
    return [(number, {key: cell.strip() for key, cell in zip(header, row, strict=False) if key})
            for number, row in rows]


def check_size(size: int) -> None:
    max_mb = setting("attachments.max_mb")
    if size > max_mb * 1024 * 1024:
        raise _refuse(_("文件大小 %(size).1f MB，超过上限 %(max)s MB。") % {"size": size / 1024 / 1024, "max": max_mb})


@transaction.atomic
def leads_import(*, name: str, content: bytes, actor, campaign=None) -> ImportResult:
    """Import every row; returns counts and the per-row errors. Raises ImportRefused for an unreadable file."""
    check_size(len(content))
    rows = read_rows(name=name, content=content)
    digest = hashlib.sha256(content).hexdigest()[:24]
    result = ImportResult()
    for number, values in rows:
        try:
            with transaction.atomic():  # a savepoint: a failing row leaves nothing behind
                _lead, created = lead_capture(source=Source.IMPORT, data=LeadInput(**values), campaign=campaign,
                                              actor=actor, idempotency_key=f"import:{digest}:{number}")
        except ValidationError as error:
            messages = error.message_dict.items() if hasattr(error, "error_dict") else [("", error.messages)]
            for key, texts in messages:
                for text in texts:
                    result.errors.append(RowError(number, FIELD_LABELS.get(key, key if key != "__all__" else ""),
                                                  text))
            continue
        if created:
            result.created += 1
        else:
            result.already += 1
    return result
