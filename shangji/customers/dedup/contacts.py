"""Phone-number and e-mail normalization for de-duplication (C2).

Canonical phone forms (what ``normalize_phone`` returns):

* mobile: 11 digits, ``13800138000`` (``+86``, ``0086`` and a bare ``86`` prefix dropped);
* landline with area code: ``021-61234567``, ``0755-88886666`` (3-digit area codes
  are 010 and 020-029, all others have 4 digits); ``+86 21 ...`` gets its 0 back;
* landline without area code: the 7-8 digits as written, ``61234567`` -- people
  often leave the area code off and we cannot guess the city;
* national service numbers: ``400-820-8820`` / ``800-...``;
* numbers with another country code: ``+`` and the digits, ``+31402791111``.

**Extensions** (after 转, 分机, ext, x, #) are kept as ``-<digits>``
(``021-61234567-801``) so the stored number stays dialable, but matching uses
``phone_match_key``, which drops them: two contacts on one switchboard are
evidence of one company.

Blank input means "unknown" and returns ``""``; malformed input raises
``PhoneError`` / ``EmailError`` whose message is a sentence for the user.
"""

from __future__ import annotations

import re
import unicodedata

_EXTENSION_SPLIT_RE = re.compile(r"\s*(?:转|轉|分机|分機|extension|ext\.?|x|#)\s*", re.IGNORECASE)
_SEPARATORS_RE = re.compile(r"[\s\-()./\u2010-\u2015]+")
_MOBILE_RE = re.compile(r"1[3-9]\d{9}")
_LANDLINE_RE = re.compile(r"(0(?:10|2\d|[3-9]\d\d))([2-9]\d{6,7})")
_LOCAL_RE = re.compile(r"[2-9]\d{6,7}")
_SERVICE_RE = re.compile(r"([48]00)(\d{3})(\d{4})")
_MATCH_KEY_RE = re.compile(r"^(0\d{2,3}-\d{7,8}|\d{7,8}|[48]00-\d{3}-\d{4}|\+\d+)-\d+$")

_EMAIL_RE = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}"
)


class PhoneError(ValueError):
    """The phone number is malformed; ``str(error)`` is a sentence for the user."""


class EmailError(ValueError):
    """The e-mail address is malformed; ``str(error)`` is a sentence for the user."""


def normalize_phone(raw: str) -> str:
    """Return the canonical form of a Chinese phone number; see the module docstring."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return ""
    number, *extensions = _EXTENSION_SPLIT_RE.split(text, maxsplit=1)
    extension = _SEPARATORS_RE.sub("", extensions[0]) if extensions else ""
    if extension and not extension.isdigit():
        raise PhoneError(f"分机号格式不正确：{raw}（分机号只能是数字，如 021-61234567 转 801）")
    had_plus = number.lstrip().startswith("+")
    digits = _SEPARATORS_RE.sub("", number).lstrip("+")
    if not digits.isdigit():
        raise PhoneError(f"电话号码格式不正确：{raw}（一栏只填一个号码，只能包含数字、空格、横线和括号）")
    if had_plus or digits.startswith("00"):
        digits = digits[2:] if digits.startswith("00") else digits
        if not digits.startswith("86"):
            if not 8 <= len(digits) <= 15:
                raise PhoneError(f"电话号码格式不正确：{raw}（国际号码应为 8–15 位数字）")
            return _with_extension(f"+{digits}", extension)
        digits = digits[2:]
        if not digits.startswith(("0", "1")) or _LANDLINE_RE.fullmatch("0" + digits):
            digits = "0" + digits  # +86 21 6123 4567: the trunk 0 is dropped after the country code
    elif len(digits) == 13 and digits.startswith("86") and _MOBILE_RE.fullmatch(digits[2:]):
        digits = digits[2:]
    if digits.startswith("1"):
        if not _MOBILE_RE.fullmatch(digits):
            raise PhoneError(f"手机号码格式不正确：{raw}（应为 11 位数字，以 13–19 开头）")
        if extension:
            raise PhoneError(f"手机号码格式不正确：{raw}（手机号码没有分机号）")
        return digits
    landline = _LANDLINE_RE.fullmatch(digits)
    if landline:
        return _with_extension(f"{landline.group(1)}-{landline.group(2)}", extension)
    service = _SERVICE_RE.fullmatch(digits)
    if service:
        return _with_extension("-".join(service.groups()), extension)
    if _LOCAL_RE.fullmatch(digits):
        return _with_extension(digits, extension)
    raise PhoneError(f"电话号码格式不正确：{raw}（固定电话请带区号，如 021-61234567；手机号码为 11 位）")


def _with_extension(number: str, extension: str) -> str:
    return f"{number}-{extension}" if extension else number


def phone_match_key(canonical: str) -> str:
    """The part of a canonical number that identifies the line: the extension is dropped."""
    match = _MATCH_KEY_RE.match(canonical)
    return match.group(1) if match else canonical


def normalize_email(raw: str) -> str:
    """Return the trimmed, lower-cased address, or raise ``EmailError``.

    Lower-casing the local part is technically lossy, but no mail system our
    customers use treats ``Zhang@`` and ``zhang@`` as different people, and
    treating them as different would hide duplicates.
    """
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if text.startswith("mailto:"):
        text = text[len("mailto:"):]
    if not text:
        return ""
    if not _EMAIL_RE.fullmatch(text) or len(text) > 254:
        raise EmailError(f"电子邮箱格式不正确：{raw}（应类似 name@example.com）")
    return text
