"""Settings of the infrastructure (DESIGN rule 6): attachment upload limits, history retention."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shangji.core.registry import register

register("attachments.max_mb", "int", 20, _("附件大小上限"),
         _("单个附件的最大大小；超过即拒绝上传。服务器另有总上限（SHANGJI_MAX_UPLOAD_BYTES）。"),
         spec="P2", unit="MB", minimum=1, maximum=1024)
register("attachments.allowed_extensions", "str",
         "pdf,doc,docx,xls,xlsx,ppt,pptx,txt,md,csv,png,jpg,jpeg,gif,webp,heic,mp3,m4a,wav,amr,mp4,zip,rar,7z",
         _("允许的附件类型"), _("允许上传的文件扩展名，用英文逗号分隔（不含点）。"), spec="P2")
register("core.history_keep_days", "int", 90, _("运行记录保留天数"),
         _("已分发的事件、已结束的定时器和自动化规则的运行记录保留这么多天，之后由夜间清理删除。审计记录不受影响。"),
         spec="A3", unit=pgettext_lazy("unit", "天"), minimum=7, maximum=3650)
