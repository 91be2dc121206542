"""Chinese by default, English through the language menu (Django's set_language view and the committed catalog)."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from shangji.conftest import PASSWORD

pytestmark = pytest.mark.django_db

CATALOG = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"



def switch_to(client, language, next_url):
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == next_url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == language
    return response


def test_a_signed_in_rep_switches_the_customer_list_to_english_and_back(actors, client):
    assert client.login(username=actors.rep.username, password=PASSWORD)

    page = client.get("/customers/").content.decode()
    assert '<html lang="zh-CN">' in page
    assert "新建客户" in page and "客户名称" in page
    assert "New customer" not in page

    switch_to(client, "en", "/customers/")
    page = client.get("/customers/").content.decode()
    assert '<html lang="en">' in page
    for english in ["New customer", "Customer name", "Owner", "Opportunities", "Kanban", "Sign out", "Filter"]:
        assert english in page, english
    for chinese in ["新建客户", "客户名称", "负责人", "退出登录", "筛选"]:
        assert chinese not in page, chinese
    # The menu now offers the way back, labelled in its own language.
    assert "简体中文" in page

    switch_to(client, "zh-hans", "/customers/")
    page = client.get("/customers/").content.decode()
    assert "新建客户" in page and "New customer" not in page


def test_the_login_page_renders_in_english_with_the_language_cookie(client):
    page = client.get("/login/").content.decode()
    assert "登录" in page and "Sign in" not in page

    switch_to(client, "en", "/login/")
    page = client.get("/login/").content.decode()
    assert '<html lang="en">' in page
    for english in ["Sign in", "Username", "Password", "Sales management"]:
        assert english in page, english
    for chinese in ["登录", "用户名", "密码", "销售管理系统"]:
        assert chinese not in page, chinese


def _unescape(value):
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r'\\(.)', lambda m: escapes.get(m.group(1), m.group(0)), value)


def _po_entries(path):
    """The entries of a .po file as dicts of their unescaped fields (msgctxt, msgid, msgid_plural, msgstr,
    msgstr[0]…) plus "fuzzy"; the header is skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields, current = {}, None
        for line in block.splitlines():
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[\d+\]) "(.*)"$', line)
            if match:
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            entry = {key: _unescape(value) for key, value in fields.items()}
            entry["fuzzy"] = bool(re.search(r"^#,.*\bfuzzy\b", block, re.M))
            entries.append(entry)
    return entries


def _compiled(catalog, entry):
    if "msgid_plural" in entry and "msgctxt" in entry:
        return [catalog.npgettext(entry["msgctxt"], entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
    if "msgid_plural" in entry:
        return [catalog.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
    if "msgctxt" in entry:
        return [catalog.pgettext(entry["msgctxt"], entry["msgid"])]
    return [catalog.gettext(entry["msgid"])]


def _translated(entry):
    if "msgid_plural" in entry:
        return [entry.get("msgstr[0]", ""), entry.get("msgstr[1]", "")]
    return [entry.get("msgstr", "")]


def test_the_english_catalog_is_complete_and_compiled():
    entries = _po_entries(CATALOG / "django.po")
    assert entries, "empty catalog"
    assert not [e["msgid"] for e in entries if e["fuzzy"]], "fuzzy entries left: check them and drop the flag"
    translations = {(e.get("msgctxt"), e["msgid"]): _translated(e) for e in entries}
    untranslated = [msgid for (_context, msgid), forms in translations.items() if not all(forms)]
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    chinese = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
    leftovers = [form for forms in translations.values() for form in forms if chinese.search(form)]
    assert not leftovers, f"Chinese characters or full-width punctuation in msgstr: {leftovers[:5]}"

    with (CATALOG / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = [e["msgid"] for e in entries if _compiled(catalog, e) != _translated(e)]
    assert not stale, f"django.mo is older than django.po (run compilemessages): {stale[:5]}"


@pytest.mark.django_db
def test_an_english_browser_still_gets_chinese_until_the_user_switches(client):
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "用户名" in page.content.decode() and page["Content-Language"] == "zh-hans"
