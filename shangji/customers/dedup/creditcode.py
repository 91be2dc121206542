"""统一社会信用代码 (Unified Social Credit Code) validation, GB 32100-2015 (C2).

Layout of the 18 characters::

    9  1  350100  M000100Y4  3
    |  |  |       |          `-- 18: check character over positions 1-17 (GB 32100, mod 31)
    |  |  |       `------------- 9-17: 主体标识码 = 组织机构代码, itself check-digited (GB 11714, mod 11)
    |  |  `--------------------- 3-8: 登记管理机关行政区划码 (digits, GB/T 2260)
    |  `------------------------ 2: 机构类别码
    `--------------------------- 1: 登记管理部门码

Positions 1 and 2 are not checked against a list: registration authorities
have been added since 2015 and a stale list would reject real customers.

Both check characters are verified because a code is the strongest dedup key
(``scoring.py`` treats equal codes as the same company and different valid
codes as different companies), so a mistyped code must be caught at entry.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
_VALUES = {char: value for value, char in enumerate(CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_REMOVABLE = str.maketrans("", "", " \t\r\n-\u3000")


class CreditCodeError(ValueError):
    """The code is malformed; ``str(error)`` is a sentence to show the user."""


def _check_char(body17: str) -> str:
    total = sum(_VALUES[char] * weight for char, weight in zip(body17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def _organization_check_char(body8: str) -> str:
    # GB 11714 values letters A=10 ... Z=35 (its own alphabet, not CHARSET's).
    total = sum(int(char, 36) * weight for char, weight in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def make_organization_code(body8: str) -> str:
    """Append the GB 11714 check character to an 8-character organization-code body."""
    body8 = body8.upper()
    if len(body8) != 8 or any(char not in _VALUES for char in body8):
        raise CreditCodeError("组织机构代码本体应为8位数字或大写字母（不含 I、O、Z、S、V）")
    return body8 + _organization_check_char(body8)


def make_credit_code(body17: str) -> str:
    """Append the GB 32100 check character to the first 17 characters of a code.

    Only the 18th character is computed: position 17 must already be the
    organization-code check (``make_organization_code``) for the result to
    pass ``validate_credit_code``.
    """
    body17 = body17.translate(_REMOVABLE).upper()
    if len(body17) != 17:
        raise CreditCodeError(f"统一社会信用代码前17位应为17个字符，当前为 {len(body17)} 个")
    for position, char in enumerate(body17, start=1):
        if char not in _VALUES:
            raise CreditCodeError(f"统一社会信用代码第 {position} 位含非法字符 '{char}'")
    return body17 + _check_char(body17)


def validate_credit_code(code: str) -> str:
    """Return the canonical 18-character code, or raise ``CreditCodeError``.

    Spaces and dashes are removed and letters upper-cased first, since codes
    are copied from licences and PDFs. Blank input means "unknown" and returns
    ``""``: whether the field is required is the form's business, not ours.
    """
    code = code.translate(_REMOVABLE).upper()
    if not code:
        return ""
    if len(code) != 18:
        raise CreditCodeError(f"统一社会信用代码应为18位，当前为 {len(code)} 位，请核对后重新输入")
    for position, char in enumerate(code, start=1):
        if char not in _VALUES:
            hint = "（不使用 I、O、Z、S、V，请检查是否与 1、0、2、5、U 混淆）" if char in "IOZSV" else ""
            raise CreditCodeError(f"统一社会信用代码第 {position} 位含非法字符 '{char}'{hint}")
    if not code[2:8].isdigit():
        raise CreditCodeError("统一社会信用代码第 3–8 位应为数字（登记管理机关行政区划码）")
    expected = _check_char(code[:17])
    if code[17] != expected:
        raise CreditCodeError(f"统一社会信用代码校验位错误：应为 {expected}，请核对每一位是否抄错")
    expected_org = _organization_check_char(code[8:16])
    if code[16] != expected_org:
        raise CreditCodeError(
            f"统一社会信用代码第 9–17 位（组织机构代码）校验位错误：第 17 位应为 {expected_org}，请核对每一位是否抄错"
        )
    return code


def is_valid_credit_code(code: str) -> bool:
    """True if ``code`` is a complete, valid code (blank is not valid)."""
    try:
        return bool(validate_credit_code(code))
    except CreditCodeError:
        return False
