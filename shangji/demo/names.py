"""Chinese vocabularies and name makers for the demo data: people, companies, titles, notes.

Company names are 区域 + 字号 (brand) + 行业 (business words) + 组织形式. Base names are drawn
without replacement from the (brand, business) space through a keyed permutation, so a
million generated customers never share a normalized name by accident: the only duplicates
in the data are the ones the seeder plants on purpose.
"""

from __future__ import annotations

import random
from bisect import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

from shangji.customers.dedup import normalize_company_name
from shangji.customers.dedup.names import is_business_only
from shangji.customers.dedup.regions import region_prefix
from shangji.customers.dedup.variants import GeneratedCompany, name_variant

T = TypeVar("T")


class Weighted(Generic[T]):
    """A weighted choice with the cumulative weights computed once (random.choices redoes them per call)."""

    __slots__ = ("items", "cumulative", "total")

    def __init__(self, items: Iterable[T], weights: Sequence[float]) -> None:
        self.items = tuple(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


# (surname, pinyin, weight) — the most common surnames, roughly by frequency.
_SURNAMES = (
    ("王", "wang", 70), ("李", "li", 70), ("张", "zhang", 65), ("刘", "liu", 55), ("陈", "chen", 50),
    ("杨", "yang", 35), ("黄", "huang", 30), ("赵", "zhao", 28), ("吴", "wu", 24), ("周", "zhou", 24),
    ("徐", "xu", 20), ("孙", "sun", 18), ("马", "ma", 17), ("朱", "zhu", 16), ("胡", "hu", 15),
    ("郭", "guo", 14), ("何", "he", 13), ("高", "gao", 13), ("林", "lin", 13), ("罗", "luo", 12),
    ("郑", "zheng", 12), ("梁", "liang", 11), ("谢", "xie", 10), ("宋", "song", 9), ("唐", "tang", 9),
    ("许", "xu", 8), ("韩", "han", 8), ("冯", "feng", 8), ("邓", "deng", 8), ("曹", "cao", 7),
    ("彭", "peng", 7), ("曾", "zeng", 7), ("肖", "xiao", 7), ("田", "tian", 6), ("董", "dong", 6),
    ("袁", "yuan", 6), ("潘", "pan", 6), ("于", "yu", 6), ("蒋", "jiang", 6), ("蔡", "cai", 6),
    ("余", "yu", 5), ("杜", "du", 5), ("叶", "ye", 5), ("程", "cheng", 5), ("苏", "su", 5),
    ("魏", "wei", 5), ("吕", "lv", 5), ("丁", "ding", 5), ("任", "ren", 5), ("沈", "shen", 5),
    ("姚", "yao", 4), ("卢", "lu", 4), ("姜", "jiang", 4), ("崔", "cui", 4), ("钟", "zhong", 4),
    ("谭", "tan", 4), ("陆", "lu", 4), ("汪", "wang", 4), ("范", "fan", 4), ("金", "jin", 4),
    ("石", "shi", 3), ("廖", "liao", 3), ("贾", "jia", 3), ("夏", "xia", 3), ("韦", "wei", 3),
    ("方", "fang", 3), ("白", "bai", 3), ("邹", "zou", 3), ("孟", "meng", 3), ("熊", "xiong", 3),
    ("秦", "qin", 3), ("邱", "qiu", 3), ("江", "jiang", 3), ("尹", "yin", 3), ("薛", "xue", 3),
    ("顾", "gu", 2), ("侯", "hou", 2), ("龙", "long", 2), ("史", "shi", 2), ("陶", "tao", 2),
    ("黎", "li", 2), ("贺", "he", 2), ("毛", "mao", 2), ("郝", "hao", 2), ("龚", "gong", 2),
    ("邵", "shao", 2), ("万", "wan", 2), ("钱", "qian", 2), ("严", "yan", 2), ("欧阳", "ouyang", 1),
)
_SURNAME = Weighted(((surname, pinyin) for surname, pinyin, _ in _SURNAMES), [weight for *_, weight in _SURNAMES])
_GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲丹鹏辉浩宇晨欣怡佳琪子涵雨萱思远"
          "志刚建国立新晓东海燕文斌宏亮雪梅春林国华永红婷婷俊杰子轩一鸣嘉怡梓涵博文天宇浩然雅静晓峰")
_EMAIL_HOSTS = ("163.com", "qq.com", "126.com", "sina.com", "foxmail.com")
_MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                    "155", "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "185", "186",
                    "187", "188", "189", "198", "199")


def person_name(rng: random.Random) -> str:
    surname = _SURNAME.pick(rng)[0]
    given = rng.choice(_GIVEN) if rng.random() < 0.3 else rng.choice(_GIVEN) + rng.choice(_GIVEN)
    return surname + given


def person(rng: random.Random) -> tuple[str, str]:
    """(name, surname pinyin) — the pinyin makes a plausible personal e-mail."""
    surname, pinyin = _SURNAME.pick(rng)
    given = rng.choice(_GIVEN) if rng.random() < 0.3 else rng.choice(_GIVEN) + rng.choice(_GIVEN)
    return surname + given, pinyin


def personal_email(rng: random.Random, pinyin: str) -> str:
    return f"{pinyin}{rng.randint(60, 9999)}@{rng.choice(_EMAIL_HOSTS)}"


def mobile(rng: random.Random) -> str:
    return f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(100_000_000):08d}"


def landline(rng: random.Random, area_code: str) -> str:
    return f"{area_code}-{rng.randint(2, 8)}{rng.randrange(10_000_000):07d}"


# 字号 characters; pairs that read as a place (泰安, 长安…) or as an industry word are skipped.
_BRAND_CHARS = ("恒瑞华盛鑫泰康达通宏信德丰源昌隆兴金佳亿嘉联博创凯利辉腾汇诚安新天海东明光荣伟鼎方正永和"
                "美英捷飞宇星云峰润泽晟旭晨阳远航中德顺祥福瑞庆合力帆锐拓奇蓝岳川江沃禾森逸翔启元亨鸿"
                "锦绣朗悦铭皓骏驰宸誉鹏卓越立思维达科普惠万邦众晶华欧意诺特尚坤乾弘毅昊瀚霖璟钧炜烨曜晖耀"
                "泓澜融聚峻崇迪凌霄钰铂颐盈睿丞楷彦豪臻博仁礼智勤朴实杰")
_BRAND_CHARS = "".join(dict.fromkeys(_BRAND_CHARS))  # unique, order kept
# Extra character for brands once the two-character space is used up (1.5 M+ customers).
_TIER_CHARS = "丰源泰盛达隆昌顺兴旺"

# (business words, industry) — every word is one the name normalizer knows, so 字号 splits off.
BUSINESS: tuple[tuple[str, str], ...] = (
    ("精密机械", "制造业"), ("机械设备", "制造业"), ("机械制造", "制造业"), ("重工", "制造业"), ("精密模具", "制造业"),
    ("五金", "制造业"), ("包装材料", "制造业"), ("塑料", "制造业"), ("橡胶", "制造业"), ("纸业", "制造业"),
    ("自动化", "工业自动化"), ("自动化设备", "工业自动化"), ("机器人", "工业自动化"), ("仪器仪表", "工业自动化"),
    ("电气设备", "工业自动化"), ("智能制造", "工业自动化"), ("电气", "工业自动化"),
    ("电子", "电子与3C"), ("电子科技", "电子与3C"), ("光电科技", "电子与3C"), ("半导体", "电子与3C"),
    ("集成电路", "电子与3C"), ("电池", "电子与3C"), ("照明电器", "电子与3C"), ("智能科技", "电子与3C"),
    ("信息技术", "软件与信息技术"), ("软件", "软件与信息技术"), ("网络科技", "软件与信息技术"),
    ("数据科技", "软件与信息技术"), ("物联网", "软件与信息技术"), ("云计算", "软件与信息技术"),
    ("医疗器械", "医疗器械"), ("医疗科技", "医疗器械"), ("生物科技", "医疗器械"), ("医药", "医疗器械"),
    ("商贸", "快消品"), ("贸易", "快消品"), ("工贸", "快消品"), ("供应链管理", "快消品"),
    ("食品", "食品饮料"), ("饮料", "食品饮料"), ("乳业", "食品饮料"), ("酒业", "食品饮料"), ("农产品", "食品饮料"),
    ("汽车零部件", "汽车及零部件"), ("汽配", "汽车及零部件"), ("汽车配件", "汽车及零部件"),
    ("动力科技", "汽车及零部件"),
    ("建设工程", "建筑与工程"), ("建筑工程", "建筑与工程"), ("建材", "建筑与工程"), ("装饰工程", "建筑与工程"),
    ("物流", "物流"), ("供应链", "物流"), ("国际物流", "物流"), ("运输", "物流"),
    ("零售", "零售与连锁"), ("超市", "零售与连锁"), ("百货", "零售与连锁"),
    ("教育科技", "教育"), ("投资", "金融"), ("资产管理", "金融"),
    ("化工", "能源与化工"), ("新材料", "能源与化工"), ("新能源科技", "能源与化工"), ("环保科技", "能源与化工"),
    ("光伏", "能源与化工"), ("储能", "能源与化工"), ("石化", "能源与化工"),
)
# Only hard negatives use these, so "same brand, other business" never collides with a base name.
ALT_BUSINESS: tuple[tuple[str, str], ...] = (
    ("物业管理", "其他"), ("文化传媒", "其他"), ("餐饮管理", "零售与连锁"), ("酒店管理", "其他"), ("置业", "其他"),
    ("旅游", "其他"), ("广告", "其他"), ("影视", "其他"), ("人力资源", "其他"), ("服装", "零售与连锁"),
    ("家具", "制造业"), ("陶瓷", "制造业"), ("纺织", "制造业"), ("企业管理咨询", "其他"), ("会展", "其他"),
)
_LEGAL_FORM = Weighted(("有限公司", "股份有限公司", "有限责任公司", "集团有限公司"), (75, 11, 10, 4))
# Region styles: "short" 上海恒瑞…, "city" 上海市恒瑞…, "province" 浙江省杭州市恒瑞…, "bracket" 恒瑞…（上海）有限公司,
# "" none. "city"/"province"/"" are the styles shangji.customers.dedup.variants knows.
_STYLE = Weighted(("short", "city", "province", "bracket", ""), (50, 15, 10, 10, 15))


@dataclass(frozen=True, slots=True)
class CompanyName:
    brand: str
    business: str
    industry: str
    legal_form: str
    style: str
    city: str
    province: str

    @property
    def name(self) -> str:
        core = self.brand + self.business
        if self.style == "bracket":
            return f"{core}（{self.city}）{self.legal_form}"
        if self.style == "short":
            region = self.city
        elif self.style == "city":
            region = f"{self.city}市"
        elif self.style == "province":
            region = f"{self.province}{self.city}市"
        else:
            region = ""
        return f"{region}{core}{self.legal_form}"

    @property
    def normalized(self) -> str:
        return self.brand + self.business


class Permutation:
    """A keyed bijection of range(size) (4-round Feistel network with cycle walking)."""

    def __init__(self, size: int, key: int) -> None:
        self.size = size
        self.half = max(1, ((size - 1).bit_length() + 1) // 2)
        self.mask = (1 << self.half) - 1
        self.keys = [(key * 0x9E3779B1 + i * 0x7F4A7C15) & 0xFFFFFFFF for i in range(4)]

    def __call__(self, value: int) -> int:
        half, mask = self.half, self.mask
        while True:
            left, right = value >> half, value & mask
            for key in self.keys:
                mixed = ((right * 0x85EBCA6B) ^ key) & 0xFFFFFFFF
                mixed = ((mixed ^ (mixed >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
                left, right = right, left ^ ((mixed ^ (mixed >> 16)) & mask)
            value = (left << half) | right
            if value < self.size:
                return value


class CompanyNamer:
    """Unique base names in draw order, from position `start` on (the count of existing customers)."""

    def __init__(self, *, start: int, key: int = 2026) -> None:
        chars = len(_BRAND_CHARS)
        self.pairs = chars * (chars - 1)
        self.size = self.pairs * len(BUSINESS)
        self.permutation = Permutation(self.size, key)
        self.position = start
        self.hard_negatives: set[tuple[str, str]] = set()

    def _brand_and_business(self, position: int) -> tuple[str, tuple[str, str]]:
        tier, index = divmod(position, self.size)
        index = self.permutation(index)
        pair, business = divmod(index, len(BUSINESS))
        first, second = divmod(pair, len(_BRAND_CHARS) - 1)
        second += second >= first  # ordered pairs of two different characters
        brand = _BRAND_CHARS[first] + _BRAND_CHARS[second]
        if tier:
            brand += _TIER_CHARS[(tier - 1) % len(_TIER_CHARS)] * (1 + (tier - 1) // len(_TIER_CHARS))
        return brand, BUSINESS[business]

    def base(self, rng: random.Random, city: str, province: str) -> CompanyName:
        while True:
            brand, (business, industry) = self._brand_and_business(self.position)
            self.position += 1
            if region_prefix(brand + business) or is_business_only(brand):
                continue
            company = CompanyName(brand, business, industry, _legal(rng), _style(rng, province), city, province)
            if normalize_company_name(company.name) == company.normalized:
                return company

    def hard_negative(self, rng: random.Random, of: CompanyName, city: str, province: str) -> CompanyName | None:
        """A different company with the same brand (美的电器 / 美的置业), or None if none is left."""
        for _ in range(3):
            business, industry = rng.choice(ALT_BUSINESS)
            if (of.brand, business) not in self.hard_negatives:
                self.hard_negatives.add((of.brand, business))
                return CompanyName(of.brand, business, industry, _legal(rng), _style(rng, province), city, province)
        return None


def _legal(rng: random.Random) -> str:
    return _LEGAL_FORM.pick(rng)


def _style(rng: random.Random, province: str) -> str:
    style = _STYLE.pick(rng)
    return "city" if style == "province" and not province else style


def near_duplicate_name(rng: random.Random, of: CompanyName) -> str:
    """How another rep types the same company: region re-formed, legal form swapped, (上海), full width…"""
    style = of.style if of.style in ("city", "province", "") else "city"
    company = GeneratedCompany(
        entity_id=0, name=of.name, brand=of.brand, business=of.business, legal_form=of.legal_form,
        province=of.province, city=of.city, region_style=style, branch_city="", credit_code="", phone="",
        email="", kind="base")
    for _ in range(5):
        name, _kind = name_variant(company, rng)
        if name.strip() and name != of.name:
            return name[:200]
    return f"{of.brand}{of.business}（{of.city}）有限公司"


TITLES: tuple[tuple[str, str, int], ...] = (
    # (title, decision role, weight)
    ("总经理", "decision_maker", 10), ("董事长", "decision_maker", 3), ("副总经理", "decision_maker", 6),
    ("技术总监", "influencer", 8), ("生产总监", "influencer", 6), ("IT经理", "influencer", 6),
    ("厂长", "influencer", 5), ("采购经理", "gatekeeper", 12), ("采购主管", "gatekeeper", 6),
    ("财务经理", "gatekeeper", 6), ("总经理助理", "gatekeeper", 3), ("设备主管", "user", 7),
    ("工程师", "user", 8), ("车间主任", "user", 5), ("项目经理", "user", 6), ("质量经理", "user", 4),
)
TITLE = Weighted(((title, role) for title, role, _ in TITLES), [weight for *_, weight in TITLES])
ATTITUDE = Weighted(("supporter", "neutral", "opponent", "unknown"), (30, 40, 8, 22))

_TOPICS = ("年度采购计划", "新产线自动化改造需求", "MES 系统选型", "设备维保续约", "报价单细节", "付款条件",
           "交付排期", "试用反馈", "与竞品的对比", "技术方案评审", "二期扩容计划", "老设备联网改造")
_OUTCOMES = ("客户表示本季度有预算", "对方需要内部评估，下周回复", "客户对价格比较敏感", "约定下周安排技术交流",
             "客户认可方案，等待采购流程", "暂无明确需求，保持联系", "对接人有变动，需要重新建立关系",
             "已发送资料，等待反馈", "客户希望先做小范围试点", "需要补充案例和资质材料")
_NOTES = ("客户年底前有一批设备更新计划，重点跟进。", "客户老板重视数字化，可以约高层会面。",
          "竞争对手已经在做样板线，需要尽快安排演示。", "回款一直准时，信用良好。", "春节前后采购流程暂停。")


def interaction_summary(rng: random.Random, kind: str, contact_name: str) -> str:
    topic, outcome = rng.choice(_TOPICS), rng.choice(_OUTCOMES)
    who = contact_name or "客户"
    if kind == "call":
        return f"电话联系{who}，沟通{topic}，{outcome}。"
    if kind == "visit":
        return f"上门拜访{who}，现场了解{topic}，{outcome}。"
    if kind == "wechat":
        return f"微信跟进{who}：{topic}，{outcome}。"
    if kind == "email":
        return f"给{who}发邮件，附上{topic}相关资料，{outcome}。"
    if kind == "meeting":
        return f"与{who}等人开会讨论{topic}，{outcome}。"
    return rng.choice(_NOTES)


STREETS = ("建设路", "人民路", "科技园路", "工业大道", "创业路", "新华路", "长江路", "发展大道", "高新路", "滨河路",
           "兴业路", "东环路", "西环路", "迎宾大道", "金桥路", "中山路", "解放路", "和平路", "振兴路", "园区大道")
