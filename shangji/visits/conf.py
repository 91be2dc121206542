"""Settings of field visits (DESIGN rule 6): every number below is a default sales ops can change."""

from django.utils.translation import gettext_lazy as _

from shangji.core.registry import register

# V1 points
register("visits.points_per_field", "int", 10, _("每项选填内容积分"),
         _("拜访记录中每完成一项选填内容（货架照片、竞品价格、库存数量等）获得的积分。"), spec="V1", minimum=0,
         maximum=1000)
register("visits.notes_min_chars", "int", 15, _("备注计分最少字数"),
         _("拜访备注达到此字数才算完成、获得积分，避免“已拜访”之类的敷衍记录。"), spec="V1", minimum=1, maximum=500)
# V3 authenticity
register("visits.checkin_radius_m", "int", 500, _("签到半径（米）"),
         _("签到位置离客户位置超过此距离时标记为“签到位置离客户过远”。"), spec="V3", unit="m", minimum=10,
         maximum=100000)
register("visits.photo_radius_m", "int", 1000, _("照片拍摄距离上限（米）"),
         _("照片 EXIF 中的拍摄地点离客户超过此距离时标记。"), spec="V3", unit="m", minimum=10, maximum=1000000)
register("visits.photo_max_age_minutes", "int", 120, _("照片拍摄时间上限（分钟）"),
         _("照片拍摄时间早于拜访时间超过此分钟数时标记为“拍摄时间早于拜访”。"), spec="V3", unit="min", minimum=1,
         maximum=100000)
register("visits.photo_max_mb", "int", 10, _("照片大小上限（MB）"), _("单张拜访照片的最大大小。"), spec="V2",
         unit="MB", minimum=1, maximum=50)
register("visits.photo_max_megapixels", "int", 50, _("照片像素上限（百万）"),
         _("超过此像素数的图片不接收（防止解压炸弹）。"), spec="V2", minimum=1, maximum=200)
# V4 timeliness
register("visits.record_within_hours", "int", 2, _("及时记录时限（小时）"),
         _("拜访后在此时间内上传记录算“及时”；经理页面按此统计及时率。"), spec="V4", unit="h", minimum=1, maximum=72)
register("visits.clock_tolerance_minutes", "int", 10, _("手机时间误差容忍（分钟）"),
         _("手机上报的记录时间比服务器时间晚（在未来）超过此分钟数时，标记为“手机时间异常”，时间照原样保存。"),
         spec="V4", unit="min", minimum=1, maximum=1440)
register("visits.sync_max_visits", "int", 50, _("单次同步拜访数上限"), _("离线同步一次最多提交的拜访数。"),
         spec="V5", minimum=1, maximum=500)
# V5 the rep's phone pages (PWA)
register("visits.offline_customers", "int", 200, _("离线可用客户数"),
         _("拜访页面为离线使用预先下载的客户卡片数（今日计划中的客户之外，按最近拜访和更新排序）。"), spec="V5",
         minimum=0, maximum=2000)
register("visits.sync_retry_seconds", "int", 30, _("离线同步重试间隔（秒）"),
         _("手机上有待同步的拜访时，每隔此秒数重试一次（恢复联网时也会立即同步）。"), spec="V5", unit="s", minimum=5,
         maximum=3600)
# V4 targets on the manager's page (/visits/team/)
register("visits.timely_target_pct", "int", 95, _("及时记录率目标（%）"),
         _("经理页面上，及时记录率达到此百分比显示为达标（绿色），否则为红色。"), spec="V4", unit="%", minimum=0,
         maximum=100)
register("visits.action_target_pct", "int", 88, _("承诺动作完成率目标（%）"),
         _("经理页面上，承诺动作完成率（下次拜访确认已完成的比例）达到此百分比显示为达标。"), spec="V4", unit="%",
         minimum=0, maximum=100)
# V1 leaderboard, V2 dictionary editor
register("visits.leaderboard_size", "int", 20, _("积分排行榜显示人数"),
         _("积分页的排行榜显示前多少名；自己不在其中时另起一行显示自己的名次。"), spec="V1", minimum=3, maximum=200)
register("visits.signal_word_min_chars", "int", 2, _("信号触发词最少字数"),
         _("信号词典中每个触发词至少的字数；单字（如“贵”“慢”）误报太多。"), spec="V2", minimum=1, maximum=10)
# V7 weekly brief 《我的客户洞察简报》
register("visits.brief_weekday", "int", 5, _("简报发送日（周几）"),
         _("每周这一天（1 = 周一 … 7 = 周日）给每位业务员生成并发送《我的客户洞察简报》，覆盖截至当天的 7 天。"),
         spec="V7", minimum=1, maximum=7)
register("visits.brief_hour", "int", 17, _("简报发送时刻（点）"),
         _("发送日的这个整点之后（公司时区）开始发送；当天稍后仍会补发给尚未收到的业务员。"), spec="V7", unit="h",
         minimum=0, maximum=23)
register("visits.brief_signal_lookback_days", "int", 30, _("新风险信号回看天数"),
         _("客户在本周出现的风险信号，若此前这么多天内没有出现过同一种信号，才算“新”信号写进简报。"), spec="V7",
         unit="d", minimum=1, maximum=365)
register("visits.brief_peer_days", "int", 30, _("主推产品对比天数"),
         _("简报比较主推产品在同事客户处的表现时，统计最近这么多天的拜访和赢单。"), spec="V7", unit="d", minimum=7,
         maximum=365)
register("visits.brief_products", "int", 3, _("简报对比的主推产品数"),
         _("简报最多比较业务员拜访次数最多的这么多个主推产品。"), spec="V7", minimum=1, maximum=10)
register("visits.brief_competitor_kinds", "str", "competitor_entry", _("竞品信号代码"),
         _("信号词典中属于竞品动态的信号代码，多个用空格分隔；简报的“竞品动态”收录这些信号。"), spec="V7")
register("visits.brief_competitor_words", "str", "竞品 对手", _("竞品触发词片段"),
         _("其他信号的触发词含有这些片段之一（如“竞品降价”“比竞品贵”）时，也算作竞品动态；多个用空格分隔。"),
         spec="V7")
# C4 customer health radar
register("visits.health_window_days", "int", 90, _("健康度统计天数"),
         _("客户健康雷达的拜访频率、承诺兑现、风险信号和互动深度按最近这么多天的拜访计算。"), spec="C4", unit="d",
         minimum=7, maximum=730)
register("visits.health_expected_visits", "int", 6, _("期望拜访次数"),
         _("统计期内拜访达到此次数，“拜访频率”得满分 100。"), spec="C4", minimum=1, maximum=365)
register("visits.health_penalty_high", "int", 30, _("高风险信号扣分"),
         _("统计期内每个高风险信号从“风险信号”维度的 100 分中扣除的分数。"), spec="C4", minimum=0, maximum=100)
register("visits.health_penalty_medium", "int", 15, _("中风险信号扣分"),
         _("统计期内每个中风险信号从“风险信号”维度的 100 分中扣除的分数。"), spec="C4", minimum=0, maximum=100)
register("visits.health_penalty_low", "int", 5, _("低风险信号扣分"),
         _("统计期内每个低风险信号从“风险信号”维度的 100 分中扣除的分数。"), spec="C4", minimum=0, maximum=100)
register("visits.health_order_months", "int", 12, _("订单贡献统计月数"),
         _("“订单贡献”比较客户最近这么多个月的赢单金额与公司客户的中位数（等于中位数得 50 分，两倍及以上得 100 分）。"),
         spec="C4", unit="月", minimum=1, maximum=60)
register("visits.health_trend_months", "int", 6, _("增长趋势对比月数"),
         _("“增长趋势”比较最近这么多个月与再往前同样长的时间的赢单金额（持平 50 分）。"), spec="C4", unit="月",
         minimum=1, maximum=24)
# V2 the shipped rule "拜访发现高风险信号"
register("visits.high_risk_todo_hours", "int", 24, _("高风险信号待办期限（小时）"),
         _("拜访发现高风险信号时，规则“拜访发现高风险信号”给拜访人创建的处理待办须在此小时数内完成。"), spec="V2",
         unit="h", minimum=1, maximum=720)
register("visits.manager_max_days", "int", 366, _("经理页面自定义期间最长天数"),
         _("经理拜访页面自定义日期范围的最长天数，避免一次统计过长期间拖慢页面。"), spec="V4", unit="d", minimum=7,
         maximum=1100)
# V2 recordings
register("visits.audio_max_mb", "int", 20, _("录音大小上限（MB）"),
         _("单条拜访录音的最大大小；手机录音约每分钟 0.5–1 MB。"), spec="V2", unit="MB", minimum=1, maximum=200)
