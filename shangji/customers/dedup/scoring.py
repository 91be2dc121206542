"""Pair scoring and blocking keys for customer de-duplication (C1, C2).

Scoring (``score_pair``) turns evidence into a number in [0, 1]; the UI shows
candidates above a low bar and the create form demands an override reason at
``DEFAULT_STRONG_MATCH`` (0.85) and above.

* **Credit code.** Equal codes are the same legal entity: score >= 0.99 even if
  the name changed (更名). Two *different* codes are two legal entities, so the
  score is capped at ``CAP_DIFFERENT_CODES`` (0.5) whatever else matches --
  group companies share switchboards and brands, but never a code. (Codes are
  check-digited, so a typo in one is caught at entry rather than here.)
* **Name, strict.** Equal normalized names score 0.97. Otherwise Chinese names
  use Levenshtein similarity (a one-character typo reaches 0.85 from 7
  characters up: 6/7). Latin names take the best of character ratios (plain,
  token-sorted, spaces removed) and a word-level soft Dice in which
  abbreviations (internat / international) and typos (philips / phillips) pair
  up and noise words (countries, *Koninklijke*, stop words) weigh little.
* **Brand + business.** A Chinese name is 字号 + 行业: same brand with different
  business words is a different company (华为技术 / 华为终端, 美的电器 / 美的置业,
  三一重工 / 三一重机), and so is a branch versus its parent or a branch in
  another city. Such pairs are capped at ``CAP_DIFFERENT_BUSINESS`` (0.6) even
  when phone or e-mail agree, because those are shared within a group. Latin
  names follow the same rule word by word: when each name keeps a word the
  other lacks (YMCA ... Garfield / YMCA ... Rauner, Little Tykes I / II) they
  are two sites or businesses. A different character inside a short brand
  (<= 3 characters: 驰鼎 / 林鼎 新能源科技) is another company, not a typo, and
  is capped at ``CAP_SHORT_BRAND_DIFFERS`` (0.8): shown, never strong.
* **Phone / e-mail.** A shared line or address alone is weak (0.5 / 0.55; both
  0.75), but together with a name that one side *contains* (华为 / 华为技术,
  "Jenner" / "Chicago Public Schools Jenner Academy") it is strong. So contact
  evidence is combined with a *lenient* name similarity (Chinese: partial
  ratio; Latin: one name's words all inside the other's) that is never
  trusted on its own.

Blocking (``blocking_keys``) gives each name at most 6 short keys; the DB
stores them in an indexed table and fetches candidates sharing any key, plus
candidates with the same credit code, phone or e-mail (own indexes).

* ``n:`` the full name -- every exact duplicate.
* ``b:`` the brand when a business tail was split off (Chinese) -- variants that
  drop or change the business words, and the hard negatives we must show.
* ``w:`` up to three distinctive words (Latin: >= 3 letters, not a business or
  noise word), longest first -- a typo or an extra word leaves the others.
* ``ab:`` ``ac:`` ``bc:`` (names of >= 7 characters, spaces removed; for Latin
  names only when they have fewer than two distinctive words): the name cut
  into head A, middle B, rest C, each key leaving one part out. A single
  substituted character sits in one part, so one key survives it. That is the
  recall side; the selectivity side is that each key keeps >= 4 characters of
  the name, and ``bc:`` is skipped when B+C is nothing but industry words
  (电子科技 would otherwise pull in every electronics company).

Trade-off, measured by ``bench/match_quality.py`` (blocking recall and
candidate pairs): one-character *insertions or deletions* in the first four
characters, typos in names shorter than 7 characters and typos in a short
brand followed only by industry words are not blocked; the last two cannot
reach the strong threshold anyway. Keys are not weighted by frequency: a
Latin word such as "chicago" can key hundreds of records, so the DB layer
should skip keys whose bucket is larger than a few hundred rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from os.path import commonprefix

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel, Levenshtein

from shangji.customers.dedup.contacts import phone_match_key
from shangji.customers.dedup.names import NameParts, is_business_only, split_name

DEFAULT_STRONG_MATCH = 0.85
STRONG_MATCH = DEFAULT_STRONG_MATCH
CAP_DIFFERENT_CODES = 0.5
CAP_DIFFERENT_BUSINESS = 0.6
CAP_SHORT_BRAND_DIFFERS = 0.8
_SHORT_BRAND = 3  # characters; longer brands tolerate one typo (光翔源凯 / 光翔原凯)
SCORE_EXACT_NAME = 0.97
_MAX_SIMILAR_NAME = 0.96  # below an exact match, however long the names
_NAME_SIMILAR_REASON = 0.7
_CONTACT_WEIGHT = {(True, False): 0.5, (False, True): 0.55, (True, True): 0.75}
_LENIENT_WEIGHT = 0.8  # a contained name plus a shared phone: 0.5 + 0.5 * 0.8 = 0.9
_NOISE_WEIGHT = 0.2
_NUMBER_RE = re.compile(r"\d+|[ivx]+")  # site numbers, Arabic or Roman

#: Latin business words: like the Chinese 行业 words they name what a company
#: does, not who it is, so they never make a blocking key or a containment on
#: their own -- but they count in full when only one name has them.
GENERIC_LATIN_WORDS: frozenset[str] = frozenset("""
group holding holdings technology technologies tech electronics electronic systems services service industries
industry inds products prods manufacturing trading global company center centre school schools community
association national development university institute foundation church child children childrens care day
early learning academy program
""".split())
#: Latin words that say where, how grand or nothing at all: the counterpart of the
#: region prefixes stripped from Chinese names, the Dutch royal title, stop words.
LATIN_NOISE_WORDS: frozenset[str] = frozenset("""
netherlands nederland holland nl europe europa euro european uk usa us america american canada deutschland
germany france belgium switzerland china chinese japan asia international internat intl koninklijke royal
the of and for at in on de la le van der den het du des
""".split())
# Abbreviated noise words (konink, koninkl, nederl) are noise too.
_NOISE_PREFIXES = frozenset(w[:n] for w in LATIN_NOISE_WORDS for n in range(5, len(w) + 1))


@dataclass(frozen=True, slots=True)
class MatchInput:
    """One side of a comparison, already normalized; ``""`` means unknown."""

    name: str = ""
    credit_code: str = ""
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, slots=True)
class MatchScore:
    """How likely two records are one company, and which evidence agreed.

    ``reasons`` uses stable codes: ``credit_code``, ``name_exact``,
    ``name_similar``, ``phone``, ``email``.
    """

    score: float
    reasons: tuple[str, ...]


def _parts_conflict(a: NameParts, b: NameParts) -> bool:
    """Different business words, or a branch versus its parent or another branch.

    Under one brand any difference counts (技术 / 信息技术). Under parsed brands
    that differ, one tail ending the other does not: that is what a typo in the
    first business word leaves (江雅自星化 + 设备 against 江雅 + 自动化设备). A bare
    brand (美的) is merely ambiguous, which the similarity already says.
    """
    if a.branch != b.branch:
        return True
    if not (a.business and b.business) or a.business == b.business:
        return False
    return a.brand == b.brand or not (a.business.endswith(b.business) or b.business.endswith(a.business))


@lru_cache(maxsize=262144)
def _token_similarity(a: str, b: str) -> float:
    if min(len(a), len(b)) >= 4 and (a.startswith(b) or b.startswith(a)):
        return 0.9  # an abbreviation: internat / international, konink / koninklijke
    similarity = Indel.normalized_similarity(a, b)
    return similarity if similarity >= 0.75 else 0.0  # a typo: philips / phillips, centre / center


@lru_cache(maxsize=65536)
def _token_weight(token: str) -> float:
    if len(token) == 1 or token in _NOISE_PREFIXES or token in LATIN_NOISE_WORDS:
        return _NOISE_WEIGHT
    # Misspelt noise words (koninklike, nederlands) are still noise.
    if len(token) >= 6 and process.extractOne(token, LATIN_NOISE_WORDS, scorer=fuzz.ratio, score_cutoff=85):
        return _NOISE_WEIGHT
    return 1.0


@lru_cache(maxsize=65536)
def _latin_profile(name: str) -> tuple[tuple[str, ...], tuple[float, ...], float, dict[str, int]]:
    tokens = tuple(name.split())
    weights = tuple(_token_weight(t) for t in tokens)
    return tokens, weights, sum(weights), dict(Counter(tokens))


def _latin_similarity(a: str, b: str) -> tuple[float, float, bool]:
    """Word-level comparison of Latin names: (soft Dice, containment, conflict).

    Words are paired greedily, exact words first, then abbreviations and typos.
    The soft Dice weighs noise words (countries, *Koninklijke*, stray letters) at
    ``_NOISE_WEIGHT``. *Conflict* is the Latin form of the brand + business rule:
    when both names keep a word the other lacks ("YMCA ... Garfield" / "YMCA ...
    Rauner"), they name two sites or two businesses of one organisation.
    """
    tokens_a, weights_a, total_a, _ = _latin_profile(a)
    tokens_b, weights_b, total_b, counts_b = _latin_profile(b)
    available = dict(counts_b)
    matched = contained = 0.0
    rest_a: list[tuple[str, float]] = []
    for token, weight in zip(tokens_a, weights_a, strict=True):
        if available.get(token, 0) > 0:
            available[token] -= 1
            matched += 2 * weight
            if token not in GENERIC_LATIN_WORDS:
                contained += weight
        else:
            rest_a.append((token, weight))
    rest_b: list[tuple[str, float]] = []
    for token, weight in zip(tokens_b, weights_b, strict=True):
        if available.get(token, 0) > 0:
            available[token] -= 1
            rest_b.append((token, weight))
    used_a: set[int] = set()
    used_b: set[int] = set()
    if rest_a and rest_b:
        pairs = sorted(
            ((similarity, i, j) for i, (x, _) in enumerate(rest_a) for j, (y, _) in enumerate(rest_b)
             if (similarity := _token_similarity(x, y)) > 0),
            # Ties are broken on the words, not their positions, so that a/b and b/a pair alike.
            key=lambda p: (-p[0], min(rest_a[p[1]][0], rest_b[p[2]][0]), max(rest_a[p[1]][0], rest_b[p[2]][0])),
        )
        for similarity, i, j in pairs:
            if i not in used_a and j not in used_b:
                used_a.add(i)
                used_b.add(j)
                matched += similarity * (rest_a[i][1] + rest_b[j][1])
    dice = matched / (total_a + total_b)
    unmatched_a = any(w == 1.0 for i, (_, w) in enumerate(rest_a) if i not in used_a)
    unmatched_b = any(w == 1.0 for j, (_, w) in enumerate(rest_b) if j not in used_b)
    # Containment: the smaller name is wholly inside the other, sharing at least one distinctive word.
    containment = 0.0
    if contained and not (unmatched_a and unmatched_b):
        containment = 0.95 if unmatched_a or unmatched_b else 1.0
    return dice, containment, (unmatched_a and unmatched_b) or _numbered_differently(tokens_a, tokens_b)


def _numbered_differently(left: tuple[str, ...], right: tuple[str, ...]) -> bool:
    """"Little Tykes I" / "Little Tykes II", "Land 1" / "Land 2": numbered sites are different sites."""
    return (left[-1] != right[-1] and left[:-1] == right[:-1]
            and _NUMBER_RE.fullmatch(left[-1]) is not None and _NUMBER_RE.fullmatch(right[-1]) is not None)


def _name_similarity(a: str, b: str) -> tuple[float, float, bool]:
    """(strict, lenient, conflict) similarity of two different normalized names."""
    parts_a, parts_b = split_name(a), split_name(b)
    if parts_a.is_cjk or parts_b.is_cjk:
        strict = Levenshtein.normalized_similarity(a, b)
        # A different character inside a short brand is another company (驰鼎 / 林鼎),
        # not a typo, however long the shared business words are.
        shorter_brand = min(len(parts_a.brand), len(parts_b.brand))
        if shorter_brand <= _SHORT_BRAND and len(commonprefix((a, b))) < shorter_brand:
            strict = min(strict, CAP_SHORT_BRAND_DIFFERS)
        shorter = min(len(a), len(b))
        lenient = fuzz.partial_ratio(a, b) / 100 if shorter >= 2 else strict
        return strict, max(strict, lenient), _parts_conflict(parts_a, parts_b)
    squashed = fuzz.ratio(a.replace(" ", ""), b.replace(" ", ""))
    characters = max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b), squashed) / 100
    dice, containment, conflict = _latin_similarity(a, b)
    strict = max(characters, dice)
    return strict, max(strict, containment), conflict or parts_a.branch != parts_b.branch


def score_pair(query: MatchInput, candidate: MatchInput) -> MatchScore:
    """Score how likely ``query`` and ``candidate`` are the same company (symmetric)."""
    reasons: list[str] = []
    same_code = bool(query.credit_code) and query.credit_code == candidate.credit_code
    different_codes = bool(query.credit_code and candidate.credit_code) and not same_code
    if same_code:
        reasons.append("credit_code")

    name_score = lenient = 0.0
    conflict = False
    if query.name and candidate.name:
        if query.name == candidate.name:
            name_score = lenient = SCORE_EXACT_NAME
            reasons.append("name_exact")
        else:
            strict, lenient, conflict = _name_similarity(query.name, candidate.name)
            name_score = min(strict, _MAX_SIMILAR_NAME)

    same_phone = bool(query.phone and candidate.phone) and (
        phone_match_key(query.phone) == phone_match_key(candidate.phone)
    )
    same_email = bool(query.email) and query.email == candidate.email
    score = name_score
    if same_phone or same_email:
        contact = _CONTACT_WEIGHT[(same_phone, same_email)]
        score = max(
            score,
            contact + (1 - contact) * _LENIENT_WEIGHT * lenient,
            1 - (1 - name_score) * (1 - contact),
        )
    # The lenient similarity only counts as name evidence when a contact backs it.
    name_evidence = max(name_score, lenient) if (same_phone or same_email) else name_score
    if "name_exact" not in reasons and name_evidence >= _NAME_SIMILAR_REASON:
        reasons.append("name_similar")
    if same_phone:
        reasons.append("phone")
    if same_email:
        reasons.append("email")

    if conflict:
        score = min(score, CAP_DIFFERENT_BUSINESS)
    if different_codes:
        score = min(score, CAP_DIFFERENT_CODES)
    if same_code:
        score = 0.99 + 0.01 * name_score
    return MatchScore(score=round(min(max(score, 0.0), 1.0), 6), reasons=tuple(reasons))


def blocking_keys(normalized_name: str) -> set[str]:
    """At most 6 short keys; near-duplicate names very likely share one (see module docstring)."""
    if not normalized_name:
        return set()
    keys = {f"n:{normalized_name}"}
    parts = split_name(normalized_name)
    if parts.is_cjk:
        if parts.business and len(parts.brand) >= 2 and not is_business_only(parts.brand):
            keys.add(f"b:{parts.brand}")
        head, middle = 2, 4
    else:
        words = {w for w in normalized_name.split() if len(w) >= 3 and _token_weight(w) == 1.0}
        distinctive = sorted(words - GENERIC_LATIN_WORDS, key=lambda w: (-len(w), w))[:3]
        keys.update(f"w:{word}" for word in distinctive)
        if len(distinctive) >= 2:
            return keys  # a typo can hit only one of them
        head, middle = 3, 6
    squashed = normalized_name.replace(" ", "")
    if len(squashed) >= 7:
        a, b, c = squashed[:head], squashed[head:middle], squashed[middle:]
        keys.add(f"ab:{a}{b}")
        keys.add(f"ac:{a}{c}")
        if not (parts.is_cjk and is_business_only(b + c)):
            keys.add(f"bc:{b}{c}")
    return keys
