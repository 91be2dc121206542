"""Settings of the to-dos (DESIGN rule 6)."""

from django.utils.translation import gettext_lazy as _

from shangji.core.registry import register

register("todos.home_upcoming_count", "int", 5, _("首页待办条数"),
         _("首页“我的待办”卡片列出的最近到期待办条数。"), spec="A1", minimum=1, maximum=50)
