"""Deterministic generator of Chinese company names, their variants and hard negatives.

Used by ``bench/match_quality.py`` (labelled pairs for precision/recall) and by
the demo seeder (plausible customers). Same seed, same output, on every
machine: only ``random.Random(seed)`` is used, never global state.

A company is 区域 + 字号 (brand) + 行业 (business words) + 组织形式, with a
home city, a credit code (``make_credit_code``), a phone and an e-mail.

*Variants* (same company, as people type it): region prefix added, removed or
re-formed (深圳市 / 深圳 / 广东省深圳市); legal form swapped (有限公司 /
股份有限公司 / 有限责任公司 / none); a bracketed (中国) or home city (（深圳）);
full-width Latin and brackets; traditional characters; spaces; and in names
whose brand + business is >= 7 characters, one homophone typo (信息 -> 新息) -- in
the business words, or in the brand only when it has 4+ characters.

*Hard negatives* (different companies that look alike):

* same brand, same city, different business words (美的电器 / 美的置业);
* branches (华为技术有限公司北京分公司) -- a branch is its own customer, distinct
  from its parent and from the parent's branches in other cities;
* short names one character apart (华为技术 / 华伟技术), the real-world case a
  typo tolerance must not swallow, which is why typos are only tolerated in long names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from shangji.customers.dedup.creditcode import CHARSET, make_credit_code, make_organization_code
from shangji.customers.dedup.names import S2T, is_business_only, normalize_company_name
from shangji.customers.dedup.regions import province_and_city_pairs, region_prefix

_BRAND_CHARS = (
    "华盛恒泰鑫源达信荣昌隆兴瑞丰宏鼎宇辉明光嘉和永安康顺佳创联邦博睿智卓越诚德立远航凯晟浩海天润祥福"
    "星晨雅美誉鹏飞腾骏驰宸汇聚合众合力帆锐拓展新奇蓝图峰岳川江沃禾田森林逸翔舜尧禹启正元亨"
)
_MUNICIPALITIES = (("北京", "010"), ("上海", "021"), ("天津", "022"), ("重庆", "023"))
_AREA_CODES = {
    "深圳": "0755", "广州": "020", "佛山": "0757", "东莞": "0769", "珠海": "0756", "南京": "025", "苏州": "0512",
    "无锡": "0510", "常州": "0519", "杭州": "0571", "宁波": "0574", "温州": "0577", "济南": "0531", "青岛": "0532",
    "烟台": "0535", "福州": "0591", "厦门": "0592", "泉州": "0595", "武汉": "027", "长沙": "0731", "成都": "028",
    "郑州": "0371", "西安": "029", "大连": "0411", "沈阳": "024", "合肥": "0551", "石家庄": "0311", "昆明": "0871",
    "南昌": "0791", "南宁": "0771",
}
_BUSINESS = (
    "电子科技", "信息技术", "网络科技", "科技", "技术", "贸易", "商贸", "置业", "房地产开发", "物流", "供应链管理",
    "医药", "生物医药", "食品", "建设工程", "机械设备", "实业", "投资", "咨询服务", "餐饮管理", "文化传媒", "教育科技",
    "制药", "电器", "新能源科技", "新材料", "化工", "环保科技", "智能科技", "自动化设备", "进出口", "软件", "汽车配件",
    "精密模具", "包装材料", "照明电器", "家居", "服饰", "电子商务", "企业管理咨询", "工程", "重工", "终端", "光电科技",
)
_LEGAL_FORMS = ("有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司", "集团有限公司")
# Homophones an IME picks by mistake; falling back to any brand character.
_TYPOS = {
    "讯": "迅", "华": "化", "为": "维", "科": "可", "技": "计", "信": "新", "息": "西", "达": "大", "源": "原",
    "盛": "胜", "泰": "太", "恒": "衡", "通": "同", "联": "连", "电": "点", "子": "紫", "网": "往", "络": "落",
    "贸": "茂", "易": "亿", "商": "尚", "物": "务", "流": "留", "业": "叶", "投": "头", "资": "姿", "建": "健",
    "设": "社", "程": "成", "医": "依", "药": "要", "食": "实", "品": "频", "能": "龙", "智": "志",
    "餐": "参", "饮": "银", "管": "馆", "理": "里", "育": "玉", "博": "搏", "睿": "锐", "瑞": "睿",
    "鑫": "欣", "宏": "鸿", "辉": "晖", "明": "铭", "航": "行", "润": "闰", "嘉": "佳", "佳": "家",
}
_FULLWIDTH = {ord(c): chr(ord(c) + 0xFEE0) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789()"}


@dataclass(frozen=True, slots=True)
class GeneratedCompany:
    """One generated legal entity (or branch) with its registered name and contacts."""

    entity_id: int
    name: str
    brand: str
    business: str
    legal_form: str
    province: str  # full form, "" for municipalities / no prefix
    city: str  # home city, short form
    region_style: str  # "", "city" or "province"
    branch_city: str
    credit_code: str
    phone: str
    email: str
    kind: str  # "base", "same_brand", "branch", "similar_brand"


@dataclass(frozen=True, slots=True)
class GeneratedRecord:
    """One customer record as a user would have typed it, with its true entity."""

    entity_id: int
    name: str
    credit_code: str
    phone: str
    email: str
    kind: str  # "original", or the variant kind


def _region_text(province: str, city: str, style: str) -> str:
    if style == "city":
        return f"{city}市"
    if style == "province":
        return f"{province}{city}市" if province else f"{city}市"
    return ""


def _compose(company: GeneratedCompany, *, style: str | None = None, legal: str | None = None) -> str:
    region = _region_text(company.province, company.city, company.region_style if style is None else style)
    legal_form = company.legal_form if legal is None else legal
    name = f"{region}{company.brand}{company.business}{legal_form}"
    return f"{name}{company.branch_city}分公司" if company.branch_city else name


class _Factory:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.next_id = 1
        self.brands: set[str] = set()
        self.names: set[str] = set()
        self.cities = province_and_city_pairs() + [("", city) for city, _ in _MUNICIPALITIES]
        self.area_codes = dict(_AREA_CODES) | dict(_MUNICIPALITIES)

    def brand(self) -> str:
        rng = self.rng
        while True:
            if rng.random() < 0.05:
                brand = "".join(rng.choice("ABCDEFGHKLMNPRSTXYZ") for _ in range(rng.choice((3, 3, 4))))
            else:
                brand = "".join(rng.choice(_BRAND_CHARS) for _ in range(rng.choice((2, 2, 2, 2, 3, 3, 4))))
            if brand not in self.brands and not region_prefix(brand + "科技") and not is_business_only(brand[-2:]):
                self.brands.add(brand)
                return brand

    def credit_code(self) -> str:
        rng = self.rng
        org = make_organization_code("".join(rng.choice(CHARSET) for _ in range(8)))
        return make_credit_code(f"91{rng.randint(110000, 659000):06d}{org}")

    def phone(self, city: str) -> str:
        if self.rng.random() < 0.5:
            return f"1{self.rng.choice('3456789')}{self.rng.randint(0, 999_999_999):09d}"
        area = self.area_codes.get(city, "0755")
        return f"{area}-{self.rng.randint(2_000_000 if len(area) == 4 else 20_000_000, 99_999_999)}"

    def company(self, *, brand: str, business: str, city: tuple[str, str], kind: str,
                branch_city: str = "", legal_form: str | None = None, style: str | None = None) -> GeneratedCompany:
        rng = self.rng
        province, home = city
        entity_id, self.next_id = self.next_id, self.next_id + 1
        company = GeneratedCompany(
            entity_id=entity_id, brand=brand, business=business, name="",
            legal_form=legal_form or rng.choice(_LEGAL_FORMS), province=province, city=home,
            region_style=style if style is not None else rng.choices(("", "city", "province"), (25, 60, 15))[0],
            branch_city=branch_city, credit_code=self.credit_code(), phone=self.phone(branch_city or home),
            email=f"contact{entity_id}@corp{entity_id}.cn", kind=kind,
        )
        name = _compose(company)
        key = normalize_company_name(name)
        if key in self.names:  # never let two entities share a normalized name
            raise _Collision
        self.names.add(key)
        return replace(company, name=name)


class _Collision(Exception):
    pass


def generate_companies(n_base: int = 2000, *, seed: int = 20240601) -> list[GeneratedCompany]:
    """``n_base`` companies plus their hard negatives (siblings, branches, look-alikes)."""
    factory = _Factory(seed)
    rng = factory.rng
    companies: list[GeneratedCompany] = []
    n_made = 0
    while n_made < n_base:
        try:
            base = factory.company(brand=factory.brand(), business=rng.choice(_BUSINESS),
                                   city=rng.choice(factory.cities), kind="base")
            companies.append(base)
            n_made += 1
            roll = rng.random()
            if roll < 0.30:
                other = rng.choice([b for b in _BUSINESS if sorted(b) != sorted(base.business)])
                companies.append(factory.company(brand=base.brand, business=other,
                                                 city=(base.province, base.city), kind="same_brand"))
            elif roll < 0.45:
                for branch_city in rng.sample([c for _, c in factory.cities if c != base.city], rng.randint(1, 2)):
                    companies.append(factory.company(
                        brand=base.brand, business=base.business, city=(base.province, base.city), kind="branch",
                        branch_city=branch_city, legal_form=base.legal_form, style=base.region_style))
            elif roll < 0.55 and len(base.brand + base.business) <= 6 and not base.brand.isascii():
                position = rng.randrange(len(base.brand))
                replacement = rng.choice([c for c in _BRAND_CHARS if c != base.brand[position]])
                look_alike = base.brand[:position] + replacement + base.brand[position + 1:]
                if look_alike not in factory.brands:
                    factory.brands.add(look_alike)
                    companies.append(factory.company(brand=look_alike, business=base.business,
                                                     city=rng.choice(factory.cities), kind="similar_brand"))
        except _Collision:
            continue
    return companies


def name_variant(company: GeneratedCompany, rng: random.Random) -> tuple[str, str]:
    """One realistic rewrite of ``company.name``; returns (name, kind)."""
    kinds = ["region", "legal", "bracket", "fullwidth", "traditional", "spacing"]
    if len(company.brand + company.business) >= 7 and not company.brand.isascii():
        kinds.append("typo")
    kind = rng.choice(kinds)
    if kind == "region":
        styles = [s for s in ("", "city", "province") if s != company.region_style]
        return _compose(company, style=rng.choice(styles)), kind
    if kind == "legal":
        legal = rng.choice([f for f in ("有限公司", "股份有限公司", "有限责任公司", "") if f != company.legal_form])
        return _compose(company, legal=legal), kind
    if kind == "bracket":
        extra = rng.choice(("(中国)", "（中国）", f"（{company.city}）", f"({company.city})"))
        if company.branch_city:
            return _compose(company).replace(company.legal_form, extra + company.legal_form, 1), kind
        if rng.random() < 0.3:
            return _compose(company) + extra, kind
        return _compose(company, legal=extra + company.legal_form), kind
    if kind == "fullwidth":
        # Latin brands go full-width; Chinese ones get the full-width brackets people type.
        legal = company.legal_form if company.brand.isascii() else "（中国）" + company.legal_form
        name = _compose(company, legal=legal)
        return name.translate(_FULLWIDTH).replace(" ", "\u3000"), kind
    if kind == "traditional":
        return "".join(S2T.get(char, char) for char in _compose(company)), kind
    if kind == "spacing":
        region = _region_text(company.province, company.city, company.region_style)
        parts = [region, company.brand, company.business, company.legal_form]
        name = " ".join(p for p in parts if p) + (f" {company.branch_city}分公司" if company.branch_city else "")
        return name, kind
    core = company.brand + company.business
    # A typo in a short brand would make another company's name (see scoring.py).
    position = rng.randrange(0 if len(company.brand) > 3 else len(company.brand), len(core))
    char = core[position]
    typo = _TYPOS.get(char) or rng.choice([c for c in _BRAND_CHARS if c != char])
    typo_company = replace(company, brand=core[:position] + typo + core[position + 1:], business="")
    return _compose(typo_company), kind


def generate_records(n_base: int = 2000, *, seed: int = 20240601, max_variants: int = 4) -> list[GeneratedRecord]:
    """Records for the benchmark: every company once, plus 0..``max_variants`` variants.

    Hard negatives get at most 2 variants. Each record carries the company's
    credit code with probability 0.3, phone 0.5 and e-mail 0.2 -- CRM data is
    patchy. Siblings (same brand) answer the group switchboard 20% of the time,
    so a shared phone must not merge them.
    """
    rng = random.Random(seed + 1)
    companies = generate_companies(n_base, seed=seed)
    by_brand = {c.brand: c for c in companies if c.kind == "base"}
    records: list[GeneratedRecord] = []
    for company in companies:
        phone = company.phone
        if company.kind == "same_brand" and rng.random() < 0.2:
            phone = by_brand[company.brand].phone
        names = [(company.name, "original")]
        limit = max_variants if company.kind == "base" else min(2, max_variants)
        names += [name_variant(company, rng) for _ in range(rng.randint(0, limit))]
        for name, kind in names:
            records.append(GeneratedRecord(
                entity_id=company.entity_id, name=name, kind=kind,
                credit_code=company.credit_code if rng.random() < 0.3 else "",
                phone=phone if rng.random() < 0.5 else "",
                email=company.email if rng.random() < 0.2 else "",
            ))
    return records
