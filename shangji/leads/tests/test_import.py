"""L1 import: CSV (UTF-8 with/without BOM, GBK) and XLSX; every row through lead_capture in its own savepoint,
so bad rows are reported by row and column in Chinese and never stop the good ones."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shangji.conftest import signed_in
from shangji.core.services import setting_update
from shangji.leads.choices import Source
from shangji.leads.importer import ImportRefused, leads_import
from shangji.leads.models import Lead
from shangji.leads.services import campaign_create

pytestmark = pytest.mark.django_db

GOOD_AND_BAD = ("姓名,公司,手机,邮箱,城市,行业,预算\n"
                "黄先生,上海精工机械有限公司,13800138001,,上海,制造业,50-100\n"
                ",无名公司,13800138002,,,,\n"  # row 3: no name
                "钱女士,上海浦江贸易有限公司,,,上海,,\n"  # row 4: neither phone nor e-mail
                "\n"  # a blank line is skipped, not an error
                "孙先生,深圳南山电子有限公司,13800138003,sun@example.com,深圳,不存在的行业,\n"  # row 6
                "李女士,上海恒通物流有限公司,13800138004,li@example.com,上海,物流,100万以上\n")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_csv_with_good_and_bad_rows_imports_the_good_ones_and_reports_the_rest(actors):
    client = signed_in(actors.rep)
    html = client.post("/leads/import/", {"file": upload("线索.csv", ("\ufeff" + GOOD_AND_BAD).encode())}).content
    html = html.decode()
    assert "成功创建 2 条线索" in html
    assert set(Lead.objects.values_list("name", flat=True)) == {"黄先生", "李女士"}
    assert all(lead.source == Source.IMPORT and lead.created_by == actors.rep for lead in Lead.objects.all())
    assert "请填写姓名" in html and "请至少填写手机或邮箱" in html and "没有名为“不存在的行业”的行业" in html
    report = b"".join(client.get("/leads/import/errors.csv").streaming_content).decode("utf-8-sig")
    lines = report.splitlines()
    assert lines[0] == "行号,字段,问题"
    assert "3,姓名,请填写姓名。" in lines
    assert any(line.startswith("4,手机,") for line in lines)
    assert any(line.startswith("6,行业,") for line in lines)
    assert len(lines) == 4


def test_the_result_rows_of_the_service_name_row_number_and_column(actors):
    result = leads_import(name="a.csv", content=GOOD_AND_BAD.encode(), actor=actors.rep)
    assert result.created == 2
    assert [(e.row, e.column) for e in result.errors] == [(3, "姓名"), (4, "手机"), (6, "行业")]


def test_a_gbk_csv_is_read(actors):
    result = leads_import(name="gbk.csv", content=GOOD_AND_BAD.encode("gbk"), actor=actors.rep)
    assert result.created == 2
    assert Lead.objects.filter(company="上海精工机械有限公司").exists()


def test_english_field_names_work_as_headers(actors):
    content = "name,company,phone,budget,scale\n周先生,常州天宁精工有限公司,13800138009,gt100,large\n".encode()
    result = leads_import(name="en.csv", content=content, actor=actors.rep)
    assert result.created == 1 and not result.errors
    lead = Lead.objects.get(name="周先生")
    assert lead.budget == "gt100" and lead.scale == "large"


def test_an_xlsx_with_numeric_phones_and_a_bad_row_imports_the_good_rows(actors):
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "公司", "手机", "邮箱", "预算"])
    sheet.append(["黄先生", "上海精工机械有限公司", 13800138001, None, "10–50万"])
    sheet.append(["钱女士", "上海浦江贸易有限公司", None, "不是邮箱", None])
    sheet.append(["李女士", None, 13800138004.0, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    campaign = campaign_create(actor=actors.marketing, name="上海工业展")
    html = signed_in(actors.rep).post("/leads/import/", {
        "file": upload("线索.xlsx", buffer.getvalue()), "campaign": campaign.pk}).content.decode()
    assert "成功创建 2 条线索" in html and "电子邮箱格式不正确" in html
    phones = set(Lead.objects.values_list("phone", flat=True))
    assert phones == {"13800138001", "13800138004"}
    assert set(Lead.objects.values_list("campaign_id", flat=True)) == {campaign.pk}
    assert Lead.objects.get(name="黄先生").budget == "10-50"


def test_the_same_file_imported_twice_creates_nothing_the_second_time(actors):
    first = leads_import(name="a.csv", content=GOOD_AND_BAD.encode(), actor=actors.rep)
    again = leads_import(name="a.csv", content=GOOD_AND_BAD.encode(), actor=actors.rep)
    assert first.created == 2 and again.created == 0 and again.already == 2
    assert Lead.objects.count() == 2


@pytest.mark.parametrize("name, content, message", [
    ("报告.pdf", b"%PDF-1.4 not a table", "只支持 CSV 或 Excel"),
    ("伪装.csv", b"\x00\x01\x02binary", "这不是 CSV 文件"),
    ("伪装.xlsx", b"PK\x03\x04 broken zip", "无法读取该 Excel 文件"),
    ("旧版.xls", b"\xd0\xcf\x11\xe0", "只支持 CSV 或 Excel"),
    ("空.csv", b"", "文件是空的"),
    ("无表头.csv", "黄先生,13800138001\n".encode(), "包含“姓名”列"),
])
def test_a_file_that_is_not_a_readable_table_is_refused_clearly(actors, name, content, message):
    html = signed_in(actors.rep).post("/leads/import/", {"file": upload(name, content or b" ")}).content.decode()
    with pytest.raises(ImportRefused) as error:
        leads_import(name=name, content=content, actor=actors.rep)
    assert message in error.value.message_dict["file"][0]
    if content:
        assert message in html
    assert not Lead.objects.exists()


def test_a_file_over_the_row_limit_is_refused_whole(actors):
    setting_update(key="leads.import_max_rows", raw_value="10", actor=actors.sales_ops)
    rows = "".join(f"客户{i},1380013{i:04d}\n" for i in range(11))
    with pytest.raises(ImportRefused) as error:
        leads_import(name="big.csv", content=f"姓名,手机\n{rows}".encode(), actor=actors.rep)
    assert "超过单次导入上限 10 行" in error.value.message_dict["file"][0]
    assert not Lead.objects.exists()


def test_a_file_over_the_size_limit_is_refused(actors):
    setting_update(key="attachments.max_mb", raw_value="1", actor=actors.sales_ops)
    content = ("姓名,手机\n" + "黄先生,13800138001\n" * 70000).encode()
    assert len(content) > 1024 * 1024
    html = signed_in(actors.rep).post("/leads/import/", {"file": upload("big.csv", content)}).content.decode()
    assert "超过上限 1 MB" in html
    assert not Lead.objects.exists()


def test_the_template_has_the_chinese_headers(actors):
    response = signed_in(actors.rep).get("/leads/import/template.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.strip() == "姓名,公司,手机,邮箱,职务,城市,行业,需求,预算,规模"


def test_the_error_report_is_only_there_after_an_import(actors):
    assert signed_in(actors.rep).get("/leads/import/errors.csv").status_code == 404
