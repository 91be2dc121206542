"""Chinese administrative-region names that open company names (C2).

A registered company name reads 行政区划 + 字号 + 行业 + 组织形式
(``广东省深圳市`` + ``华为`` + ``技术`` + ``有限公司``). People drop or repeat the
region part freely, so de-duplication strips it. This module only holds the
tables and one lookup; the rules for *when* stripping is safe live in
``names.py``.

Covered: all 34 provincial-level divisions (full and short forms), about 150
prefecture-level and large county-level cities (with and without 市), and the
best-known urban districts and development zones (only with their 区/县 suffix:
bare district names such as 南山 or 朝阳 are also common brand words).
"""

from __future__ import annotations

from functools import lru_cache

# (short form, full forms). The short form is what a branch location is
# canonicalised to ("北京市分公司" and "北京分公司" are the same branch).
_PROVINCES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("北京", ("北京市",)), ("天津", ("天津市",)), ("上海", ("上海市",)), ("重庆", ("重庆市",)),
    ("河北", ("河北省",)), ("山西", ("山西省",)), ("辽宁", ("辽宁省",)), ("吉林", ("吉林省",)),
    ("黑龙江", ("黑龙江省",)), ("江苏", ("江苏省",)), ("浙江", ("浙江省",)), ("安徽", ("安徽省",)),
    ("福建", ("福建省",)), ("江西", ("江西省",)), ("山东", ("山东省",)), ("河南", ("河南省",)),
    ("湖北", ("湖北省",)), ("湖南", ("湖南省",)), ("广东", ("广东省",)), ("海南", ("海南省",)),
    ("四川", ("四川省",)), ("贵州", ("贵州省",)), ("云南", ("云南省",)), ("陕西", ("陕西省",)),
    ("甘肃", ("甘肃省",)), ("青海", ("青海省",)), ("台湾", ("台湾省",)),
    ("内蒙古", ("内蒙古自治区",)), ("广西", ("广西壮族自治区", "广西自治区")),
    ("西藏", ("西藏自治区",)), ("宁夏", ("宁夏回族自治区", "宁夏自治区")),
    ("新疆", ("新疆维吾尔自治区", "新疆自治区")),
    ("香港", ("香港特别行政区", "香港特区")), ("澳门", ("澳门特别行政区", "澳门特区")),
)

# Prefecture-level cities (all provincial capitals and the largest others) and
# a few county-level cities that appear in many registered names.
_CITIES = """
石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 长治 晋城 临汾 运城
呼和浩特 包头 鄂尔多斯 赤峰 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 盘锦 铁岭 长春 四平 延边
哈尔滨 齐齐哈尔 大庆 牡丹江 佳木斯 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州
宿迁 昆山 江阴 常熟 张家港 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌 慈溪 余姚
合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 福州 厦门 莆田 三明 泉州
漳州 南平 龙岩 宁德 晋江 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛 淄博
枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁
新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感
荆州 黄冈 咸宁 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 广州 韶关 深圳
珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 潮州 揭阳 云浮 南宁 柳州
桂林 梧州 北海 钦州 玉林 海口 三亚 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 宜宾
达州 贵阳 遵义 六盘水 安顺 昆明 曲靖 玉溪 拉萨 西安 宝鸡 咸阳 渭南 延安 汉中 榆林 兰州 天水 西宁
银川 乌鲁木齐 克拉玛依 喀什 伊犁
""".split()

# Cities stripped only with 市: the bare name is too often a word of its own
# (中山大学, 大理石) or is also a province name handled above (吉林).
_CITIES_ONLY_WITH_SUFFIX = ("中山", "大理", "吉林", "通化", "白山")

# Districts, counties and zones: stripped only with their suffix.
_DISTRICTS = """
东城区 西城区 朝阳区 海淀区 丰台区 石景山区 通州区 顺义区 昌平区 大兴区 房山区 怀柔区 平谷区 密云区
黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 浦东新区 松江区 青浦区 奉贤区
金山区 崇明区 和平区 河西区 南开区 河北区 红桥区 滨海新区 东丽区 西青区 津南区 北辰区 武清区
渝中区 江北区 沙坪坝区 九龙坡区 南岸区 渝北区 两江新区 天河区 越秀区 海珠区 荔湾区 白云区 番禺区
黄埔区 花都区 南沙区 增城区 福田区 罗湖区 南山区 宝安区 龙岗区 龙华区 盐田区 坪山区 光明区
上城区 拱墅区 西湖区 滨江区 萧山区 余杭区 临平区 钱塘区 玄武区 秦淮区 建邺区 鼓楼区 栖霞区
雨花台区 江宁区 浦口区 六合区 锦江区 青羊区 金牛区 武侯区 成华区 龙泉驿区 双流区 郫都区 天府新区
江岸区 江汉区 硚口区 汉阳区 武昌区 洪山区 东西湖区 蔡甸区 江夏区 岳麓区 芙蓉区 天心区 开福区
雨花区 望城区 长安区 碑林区 莲湖区 雁塔区 未央区 灞桥区 思明区 湖里区 集美区 海沧区 同安区 翔安区
工业园区 高新区 高新技术开发区 高新技术产业开发区 经济开发区 经济技术开发区 开发区 保税区 自贸区
自由贸易试验区 雄安新区
""".split()

def _build() -> tuple[dict[str, str], frozenset[str]]:
    forms: dict[str, str] = {}
    for short, fulls in _PROVINCES:
        forms[short] = short
        for full in fulls:
            forms[full] = short
    for city in _CITIES:
        forms[city] = city
        forms[city + "市"] = city
    for city in _CITIES_ONLY_WITH_SUFFIX:
        forms[city + "市"] = city
    for district in _DISTRICTS:
        forms[district] = district
    return forms, frozenset(len(f) for f in forms)


#: Every strippable region form -> its canonical short form.
REGION_FORMS, _LENGTHS = _build()
_LENGTHS_DESC: tuple[int, ...] = tuple(sorted(_LENGTHS, reverse=True))
# The first characters of all forms: most names start with a brand character
# that is not among them, which makes the common "no region" case one set test.
_FIRST_CHARS = frozenset(form[0] for form in REGION_FORMS)
_LAST_CHARS = frozenset(form[-1] for form in REGION_FORMS)


def region_prefix(text: str) -> str:
    """Return the longest region form that ``text`` starts with, or ``""``."""
    if not text or text[0] not in _FIRST_CHARS:
        return ""
    for length in _LENGTHS_DESC:
        if length < len(text) and text[:length] in REGION_FORMS:
            return text[:length]
    return ""


@lru_cache(maxsize=8192)
def region_suffix(text: str) -> str:
    """Return the longest region form that ``text`` ends with, or ``""``.

    Used to find the location in a branch name (``华为技术北京分公司``).
    """
    if not text or text[-1] not in _LAST_CHARS:
        return ""
    for length in _LENGTHS_DESC:
        if length < len(text) and text[-length:] in REGION_FORMS:
            return text[-length:]
    return ""


def canonical_region(form: str) -> str:
    """Map a region form to its short canonical name (``北京市`` -> ``北京``)."""
    return REGION_FORMS.get(form, form)


def province_and_city_pairs() -> list[tuple[str, str]]:
    """(province full form, city) pairs used by the name generator; small and static."""
    return list(_PROVINCE_OF_CITY)


# A handful of province/city pairs so generated names can carry a realistic
# two-level prefix (广东省深圳市). Not exhaustive on purpose.
_PROVINCE_OF_CITY: tuple[tuple[str, str], ...] = (
    ("广东省", "深圳"), ("广东省", "广州"), ("广东省", "佛山"), ("广东省", "东莞"), ("广东省", "珠海"),
    ("江苏省", "南京"), ("江苏省", "苏州"), ("江苏省", "无锡"), ("江苏省", "常州"), ("浙江省", "杭州"),
    ("浙江省", "宁波"), ("浙江省", "温州"), ("山东省", "济南"), ("山东省", "青岛"), ("山东省", "烟台"),
    ("福建省", "福州"), ("福建省", "厦门"), ("福建省", "泉州"), ("湖北省", "武汉"), ("湖南省", "长沙"),
    ("四川省", "成都"), ("河南省", "郑州"), ("陕西省", "西安"), ("辽宁省", "大连"), ("辽宁省", "沈阳"),
    ("安徽省", "合肥"), ("河北省", "石家庄"), ("云南省", "昆明"), ("江西省", "南昌"), ("广西壮族自治区", "南宁"),
)
