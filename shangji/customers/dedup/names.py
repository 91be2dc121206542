"""Company-name normalization for de-duplication (C2).

``normalize_company_name`` maps the many ways people write one company to one
string, so that exact look-ups and fuzzy scoring compare like with like:

1. NFKC (full-width letters, digits and brackets become half-width), Latin
   lower-cased, common traditional characters mapped to simplified ones.
2. Bracketed parts are dropped: ``(中国)`` ``（上海）`` ``[..]`` ``【..】`` --
   except a bracketed *branch* (``（北京分公司）``), which is kept unbracketed.
3. Punctuation and whitespace go. Spaces survive only between two Latin/digit
   words (``akzo nobel``), because Latin names are compared word by word; runs
   of single letters are joined (``n v`` -> ``nv``, ``r e woods`` -> ``re woods``).
4. Legal forms are stripped from the end, repeatedly: 股份有限公司, 有限责任公司,
   有限公司, 集团, 公司, ... and Latin ``co ltd inc llc corp gmbh nv bv sa plc``...
5. Leading region names are stripped, repeatedly (``广东省深圳市南山区`` all
   go), but never when what is left would be only an industry word (北京银行
   stays 北京银行, not 银行) or a single character. A name typed twice
   (``south loop south loop``, as glued imports produce) is kept once.

Decisions:

* **Branches are different customers.** A 分公司 / 分行 / 办事处 / 营业部 ... has
  its own licence, address and buyer, so ``华为技术有限公司北京分公司``
  normalizes to ``华为技术北京分公司`` and never equals its parent; the scorer
  keeps branches of one parent apart as well.
* **Region prefixes are noise.** ``北京美的电器`` and ``上海美的电器`` normalize
  alike; when two region-distinct legal entities really coexist, their credit
  codes tell them apart (see ``scoring.py``).
* ``中国`` is not stripped as a prefix (中国银行, 中国平安 use it as part of the
  brand); only a bracketed ``(中国)`` goes.

Every step leaves a non-empty name: if stripping would leave nothing (``有限公司``,
``Limited``) the less-stripped form is kept. The function is idempotent: the
last step repeats the pipeline until nothing changes (normally one extra,
cheap pass).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from shangji.customers.dedup.regions import REGION_FORMS, region_prefix, region_suffix

# Traditional -> simplified for characters common in company and place names.
# Only unambiguous mappings (no 乾/著/鍊, whose simplified form depends on meaning).
_T2S_PAIRS = """
東东 國国 廣广 華华 遼辽 寧宁 龍龙 蘇苏 閩闽 贛赣 魯鲁 粵粤 瓊琼 貴贵 雲云 陝陕 隴陇 肅肃 臺台 灣湾
門门 慶庆 濟济 陽阳 濱滨 爾尔 齊齐 錫锡 鎮镇 揚扬 溫温 紹绍 興兴 麗丽 廈厦 鄭郑 開开 許许 漢汉 荊荆
長长 嶽岳 鄉乡 頭头 陸陆 賓宾 鄰邻 貢贡 綿绵 崑昆 烏乌 瀋沈 連连 撫抚 錦锦 營营 盤盘 嶺岭 滬沪 蕪芜
嶼屿 龜龟 義义 煙烟 臨临 濰潍 棗枣 鶴鹤 駐驻 黃黄 達达 內内 蘭兰 寶宝 鹹咸 銀银 兩两 區区 縣县 電电
貿贸 術术 學学 業业 產产 實实 資资 訊讯 網网 絡络 軟软 體体 設设 備备 機机 裝装 飾饰 築筑 發发 廠厂
場场 團团 際际 進进 環环 護护 醫医 藥药 療疗 衛卫 務务 諮咨 詢询 傳传 運运 輸输 車车 動动 氣气 燈灯
韓韩 關关 聯联 遠远 邊边 選选 隊队 鐵铁 錢钱 鋼钢 鋁铝 針针 鐘钟 鏈链 張张 馬马 魚鱼 鳥鸟 鳳凤 齒齿
麥麦 點点 黨党 圖图 園园 圓圆 億亿 價价 優优 儀仪 儲储 兒儿 冊册 寫写 農农 凱凯 劃划 創创 劍剑 勞劳
勢势 協协 單单 壓压 廳厅 參参 雙双 變变 號号 員员 問问 啟启 喬乔 嚴严 圍围 塊块 壇坛 壽寿 夢梦 奮奋
婦妇 孫孙 審审 將将 專专 對对 導导 屬属 島岛 峽峡 幣币 師师 帳帐 幫帮 幹干 廚厨 廢废 強强 彈弹 錄录
徑径 從从 復复 徵征 恆恒 愛爱 態态 憶忆 應应 懷怀 戰战 戶户 擁拥 擇择 擊击 擔担 據据 擴扩 攝摄 數数
斷断 於于 時时 晉晋 暢畅 曆历 曉晓 書书 會会 條条 來来 楊杨 標标 樂乐 樓楼 樣样 橋桥 檢检 權权 歐欧
歡欢 歲岁 歷历 歸归 湯汤 滿满 漁渔 潔洁 潤润 澤泽 濤涛 為为 無无 煉炼 熱热 狀状 獎奖 獲获 現现 瑪玛
畫画 當当 盧卢 眾众 礦矿 碼码 確确 礎础 禮礼 種种 稱称 穩稳 積积 競竞 筆笔 節节 範范 簡简 類类 糧粮
紀纪 約约 紅红 納纳 純纯 紙纸 級级 紡纺 細细 組组 經经 結结 絲丝 給给 統统 綠绿 維维 綜综 緊紧 線线
編编 緣缘 總总 績绩 織织 繩绳 繪绘 繼继 續续 羅罗 習习 聖圣 聞闻 聲声 職职 聽听 腦脑 膠胶 與与 舉举
舊旧 藝艺 莊庄 萬万 葉叶 蓋盖 虛虚 補补 製制 複复 覺觉 規规 視视 親亲 觀观 計计 訂订 記记 診诊 評评
試试 話话 該该 誠诚 語语 說说 調调 請请 諾诺 證证 識识 譜谱 議议 讀读 讓让 豐丰 貝贝 財财 貨货 販贩
買买 費费 賣卖 質质 購购 賽赛 贏赢 趙赵 趨趋 軍军 輕轻 載载 輝辉 輪轮 轉转 辦办 邁迈 郵邮 釀酿 釋释
鉅钜 銷销 鋒锋 鍋锅 鎖锁 鏡镜 閃闪 間间 閣阁 闆板 闊阔 隨随 險险 隱隐 難难 雞鸡 霧雾 靈灵 韻韵 頁页
項项 順顺 預预 領领 頻频 題题 額额 顏颜 願愿 顧顾 顯显 風风 飛飞 飯饭 飲饮 館馆 騰腾 驗验 鬥斗 鮮鲜
鴻鸿 鵬鹏 鹽盐 厲厉 壯壮 夥伙 寬宽 尋寻 屆届 崗岗 幾几 彙汇 匯汇 滙汇 搖摇 撥拨 擬拟 攜携 暉晖 樸朴
氫氢 漿浆 煒炜 燁烨 爐炉 獅狮 瑋玮 璽玺 畢毕 碩硕 礙碍 祿禄 禎祯 穎颖 籌筹 簽签 綱纲 緻致 縱纵 羣群
聰聪 膚肤 艙舱 蓮莲 蔣蒋 薦荐 藍蓝 蘆芦 處处 衆众 裡里 裏里 褲裤 覽览 訓训 託托 詳详 誌志 諧谐 謝谢
譽誉 豬猪 貸贷 賀贺 賢贤 贊赞 跡迹 踐践 軌轨 轄辖 輔辅 輯辑 辭辞 遞递 遜逊 遙遥 醬酱 鈞钧 鉑铂 銓铨
鋪铺 錶表 鍵键 鎂镁 鑄铸 鑽钻 閥阀 闡阐 陳陈 陣阵 雜杂 靜静 鞏巩 韋韦 頒颁 頓顿 頌颂 頤颐 顆颗 餘余
騏骐 驅驱 驛驿 鬱郁 鯨鲸 鴿鸽 麵面 黴霉 齡龄 準准 後后 鬆松 週周 溝沟 認认 詞词 誤误 談谈 謀谋 講讲
貫贯 責责 貧贫 賴赖 賬账 贈赠 趕赶 躍跃 軒轩 較较 輛辆 轎轿 邏逻 鄧邓 鈴铃 鉛铅 銳锐 錯错 鍍镀 閉闭
閱阅 隸隶 雖虽 離离 頂顶 飄飘 養养 餅饼 駕驾 騎骑 驚惊 鬧闹 鷹鹰 齋斋 龐庞 債债 傑杰 偉伟 僑侨 剛刚
勁劲 勝胜 勳勋 卻却 叢丛 報报 堅坚 塗涂 奧奥 奪夺 妝妆 嬰婴 寵宠 層层 岡冈 峯峰 帶带 庫库 廬庐 徹彻
憂忧 戲戏 揮挥 換换 損损 擺摆 敗败 棟栋 楓枫 榮荣 構构 樞枢 橫横 檔档 櫃柜 欄栏 殼壳 沒没 決决 況况
淨净 測测 湧涌 滅灭 漲涨 潛潜 濃浓 濕湿 瀏浏 灘滩 燒烧 爭争 牽牵 獨独 瓏珑 畝亩 異异 監监 磚砖 稅税
穀谷 築筑 籃篮 籠笼 紋纹 絕绝 絨绒 綫线 綢绸 緒绪 練练 縫缝 縮缩 繞绕 繡绣 腳脚 膽胆 臉脸 艷艳 莖茎
蕭萧 薩萨 蘊蕴 蟲虫 衝冲 襪袜 見见 覓觅 觸触 訪访 註注 誕诞 誼谊 課课 論论 諸诸 譯译 貓猫 貞贞 負负
貪贪 貼贴 賞赏 賠赔 賦赋 軸轴 轟轰 辯辩 迴回 這这 過过 違违 適适 遷迁 遺遗 釘钉 鈕钮 鋸锯 錘锤 鍛锻
鎢钨 鑑鉴 鑒鉴 閘闸 闖闯 響响 颱台 飼饲 饋馈 馮冯 駛驶 駿骏 髮发 鬍胡 鮑鲍 鳴鸣 鴨鸭 鵝鹅 鹼碱 佔占
""".split()

#: Traditional -> simplified translation table for ``str.translate``.
T2S: dict[int, str] = {ord(pair[0]): pair[1] for pair in _T2S_PAIRS}
#: Simplified -> one traditional form, for the variant generator.
S2T: dict[str, str] = {}
for _pair in _T2S_PAIRS:
    S2T.setdefault(_pair[1], _pair[0])

#: Industry / business words: the 行业 part after the brand (字号) in a registered
#: name. Two names with the same brand but different business words are
#: different companies (美的电器 vs 美的置业), which is why the scorer needs them.
BUSINESS_WORDS: frozenset[str] = frozenset("""
科技 技术 电子 电器 电气 贸易 商贸 经贸 工贸 外贸 置业 地产 房地产 物业 物流 快递 运输 货运 供应链 进出口
医药 药业 制药 医疗 器械 医疗器械 生物 健康 食品 饮料 酒业 啤酒 乳业 农业 牧业 渔业 建设 建筑 建工 工程
装饰 装修 设计 规划 信息 网络 软件 数据 数字 计算机 系统 通信 通讯 电信 机械 设备 仪器 仪表 实业 投资
资本 资产 基金 金融 银行 证券 保险 信托 担保 租赁 咨询 顾问 管理 服务 人力资源 餐饮 酒店 旅游 旅行 文化
传媒 广告 影视 娱乐 出版 教育 培训 汽车 汽配 新能源 能源 电力 光电 光伏 半导体 集成电路 材料 新材料 化工
化学 石化 石油 钢铁 金属 矿业 环保 环境 节能 智能 自动化 机器人 国际 发展 控股 重工 重机 终端 航空 航天
船舶 电缆 纺织 服装 服饰 鞋业 家具 家居 建材 陶瓷 玻璃 塑料 橡胶 包装 印刷 纸业 五金 商业 零售 超市 百货
电商 传播 营销 策划 会展 安防 消防 检测 认证 科学 研究 研究院 研究所 开发 创新 产业 工业 水务 燃气 热力
大学 学院 学校 医院 诊所 药房 物联网 互联网 云计算 人工智能 电子商务 精密 模具 零部件 配件 照明 电池 储能
光学 美容 健身 体育 家电 动力 农产品 畜牧 种业 企业管理 商务 人寿 财产 集成 工艺 制造
""".split())
_BUSINESS_LENGTHS: tuple[int, ...] = tuple(sorted({len(w) for w in BUSINESS_WORDS}, reverse=True))

# Longest first so 股份有限公司 wins over 有限公司 and 公司.
_LEGAL_SUFFIXES_ZH: tuple[str, ...] = tuple(sorted((
    "股份有限公司", "有限责任公司", "有限公司", "股份公司", "集团公司", "总公司", "公司", "集团",
    "有限合伙", "普通合伙", "合伙企业", "个人独资企业", "独资企业", "个体工商户",
), key=len, reverse=True))
_LEGAL_TOKENS_LATIN: frozenset[str] = frozenset("""
co company corp corporation inc incorporated ltd limited llc llp lp plc gmbh mbh ag kg nv bv sa sas sarl srl
spa sl ab oy oyj kk pty pte bhd sdn pvt ltda se cv vof naamloze besloten vennootschap and
""".split())
#: Branch markers; a name ending in one of these is a branch (see module docstring).
BRANCH_MARKERS: tuple[str, ...] = (
    "分公司", "分中心", "分店", "分厂", "分行", "支行", "分部", "办事处", "营业部", "代表处", "分所", "分院", "分社",
)

_CJK_RE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_BRACKET_RE = re.compile(r"[(\[【〔{]([^()\[\]【】〔〕{}]*)[)\]】〕}]")
_DELETE_RE = re.compile(r"['’‘`´.]")  # inside words: "children's" -> childrens, "n.v." -> nv
_SEPARATOR_RE = re.compile(r"[\W_]+")
_SINGLE_LETTERS_RE = re.compile(r"(?<![a-z0-9])[a-z](?: [a-z](?![a-z0-9]))+")


def has_cjk(text: str) -> bool:
    """True if ``text`` contains a CJK ideograph."""
    return _CJK_RE.search(text) is not None


def is_business_only(text: str) -> bool:
    """True if ``text`` is made only of business words (科技, 电子科技, 银行...)."""
    return bool(text) and not _strip_business_tail(text, allow_empty=True)[0]


def _strip_business_tail(text: str, *, allow_empty: bool = False) -> tuple[str, tuple[str, ...]]:
    words: list[str] = []
    stripped = True
    while stripped:
        stripped = False
        for length in _BUSINESS_LENGTHS:
            if len(text) >= length and text[-length:] in BUSINESS_WORDS and (allow_empty or len(text) > length):
                words.append(text[-length:])
                text = text[:-length]
                stripped = True
                break
    return text, tuple(words)


def _join(left: str, right: str) -> str:
    """Concatenate, keeping one space only between two Latin/digit words."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def _drop_brackets(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        return f" {inner} " if inner.endswith(BRANCH_MARKERS) else " "

    for _ in range(3):  # nested brackets: innermost first
        dropped = _BRACKET_RE.sub(replace, text)
        if dropped == text:
            break
        # Fall back when the whole name was in brackets: keep the words, lose the brackets.
        text = dropped if _SEPARATOR_RE.sub("", dropped) else _BRACKET_RE.sub(r" \1 ", text)
    return text


def _clean(text: str) -> str:
    text = _DELETE_RE.sub("", text.replace("&", " and "))
    result = ""
    for part in _SEPARATOR_RE.sub(" ", text).split():
        result = _join(result, part)
    return _SINGLE_LETTERS_RE.sub(lambda m: m.group(0).replace(" ", ""), result)


def _strip_legal_forms(text: str) -> str:
    changed = True
    while changed:
        changed = False
        for suffix in _LEGAL_SUFFIXES_ZH:
            if text.endswith(suffix):
                # Only the longest match counts: 有限公司 alone stays whole, not 有限.
                if len(text) > len(suffix):
                    text, changed = text[: -len(suffix)].rstrip(), True
                break
        head, _, last = text.rpartition(" ")
        if head and last in _LEGAL_TOKENS_LATIN:
            text, changed = head, True
    return text


def _strip_affixes(text: str) -> str:
    """Strip legal forms from the end and region names from the start until stable."""
    changed = True
    while changed:
        changed = False
        # Legal forms first, so the region test below sees 上海汽车, not 上海汽车集团.
        text = _strip_legal_forms(text)
        if text.startswith("the ") and len(text) > 4:
            text, changed = text[4:], True
        half = _repeated_half(text)
        if half:
            text, changed = half, True
        region = region_prefix(text)
        if region:
            rest = text[len(region):].lstrip()
            # 北京银行 keeps its region: without it nothing but the industry is left.
            if len(rest) >= 2 and not is_business_only(rest):
                text, changed = rest, True
    return text


def _repeated_half(text: str) -> str:
    """"X X" -> "X": imports that glue an agency name to a site name of the same text."""
    words = text.split(" ")
    if len(words) >= 4 and len(words) % 2 == 0 and words[: len(words) // 2] == words[len(words) // 2:]:
        return " ".join(words[: len(words) // 2])
    middle = len(text) // 2
    if " " not in text and len(text) >= 6 and len(text) % 2 == 0 and text[:middle] == text[middle:]:
        return text[:middle]
    return ""


def _normalize_branch(text: str, marker: str) -> str:
    before = text[: -len(marker)]
    end = max((before.rfind(s) + len(s) for s in _LEGAL_SUFFIXES_ZH if s in before), default=-1)
    if 0 < end < len(before):  # 华为技术有限公司 | 北京
        parent, location = before[:end], before[end:]
    else:
        location = region_suffix(before)
        parent = before[: len(before) - len(location)]
    location = REGION_FORMS.get(location.strip(), location.strip())
    return _join(_join(_strip_affixes(parent.strip()), location), marker)


def _normalize_once(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).lower().translate(T2S)
    text = _clean(_drop_brackets(text))
    if not text:
        return ""
    for marker in BRANCH_MARKERS:
        if text.endswith(marker) and len(text) > len(marker):
            return _normalize_branch(text, marker)
    return _strip_affixes(text)


@lru_cache(maxsize=65536)
def normalize_company_name(name: str) -> str:
    """Return the comparison form of a company name; see the module docstring."""
    text = _normalize_once(name)
    for _ in range(4):  # converges in one confirming pass for all but contrived names
        again = _normalize_once(text)
        if again == text:
            break
        text = again
    return text


@dataclass(frozen=True, slots=True)
class NameParts:
    """A normalized name split for scoring: 字号 (brand) + 行业 (business) + branch."""

    brand: str
    business: str  # the trailing run of business words, e.g. "电子科技"; "" if none
    branch: str  # "" or location + marker, e.g. "北京分公司"
    is_cjk: bool


@lru_cache(maxsize=131072)
def split_name(normalized: str) -> NameParts:
    """Split an already normalized name into brand, business words and branch."""
    is_cjk = has_cjk(normalized)
    head, branch = normalized, ""
    for marker in BRANCH_MARKERS:
        if normalized.endswith(marker) and len(normalized) > len(marker):
            before = normalized[: -len(marker)]
            location = region_suffix(before)
            head, branch = before[: len(before) - len(location)], location + marker
            break
    if not is_cjk:
        return NameParts(head, "", branch, False)
    brand, _ = _strip_business_tail(head)
    return NameParts(brand, head[len(brand):], branch, True)
