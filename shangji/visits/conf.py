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
