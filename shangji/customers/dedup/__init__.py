"""Customer de-duplication core (C1, C2): pure Python, no Django, no database.

The DB layer normalizes what the user typed, looks candidates up by
``blocking_keys`` (plus credit code, phone and e-mail), and ranks them with
``score_pair``.
"""

from shangji.customers.dedup.contacts import (
    EmailError,
    PhoneError,
    normalize_email,
    normalize_phone,
    phone_match_key,
)
from shangji.customers.dedup.creditcode import (
    CreditCodeError,
    is_valid_credit_code,
    make_credit_code,
    make_organization_code,
    validate_credit_code,
)
from shangji.customers.dedup.names import normalize_company_name
from shangji.customers.dedup.scoring import (
    DEFAULT_STRONG_MATCH,
    STRONG_MATCH,
    MatchInput,
    MatchScore,
    blocking_keys,
    score_pair,
)

__all__ = [
    "DEFAULT_STRONG_MATCH",
    "STRONG_MATCH",
    "CreditCodeError",
    "EmailError",
    "MatchInput",
    "MatchScore",
    "PhoneError",
    "blocking_keys",
    "is_valid_credit_code",
    "make_credit_code",
    "make_organization_code",
    "normalize_company_name",
    "normalize_email",
    "normalize_phone",
    "phone_match_key",
    "score_pair",
    "validate_credit_code",
]
