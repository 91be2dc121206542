from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    COMPANY = "company", _("公司")
    REGION = "region", _("大区")
    CITY = "city", _("地市")
    TEAM = "team", _("团队")


class Role(models.TextChoices):
    REP = "rep", _("业务员")
    MANAGER = "manager", _("主管/区域经理")
    DIRECTOR = "director", _("销售总监")
    PRESALES = "presales", _("售前")
    DELIVERY = "delivery", _("交付")
    SUPPORT = "support", _("售后")
    FINANCE = "finance", _("财务")
    MARKETING = "marketing", _("市场")
    SALES_OPS = "sales_ops", _("销售运营")
    ADMIN = "admin", _("管理员")


# O2: roles that see every record in the company. Finance settles every customer's invoices and
# sales ops maintain the data, so both need the full view; see docs/adr/0001-row-visibility.md.
COMPANY_WIDE_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.SALES_OPS, Role.FINANCE})
EDIT_ALL_ROLES = frozenset({Role.ADMIN, Role.DIRECTOR, Role.SALES_OPS})
CONFIGURING_ROLES = frozenset({Role.ADMIN, Role.SALES_OPS})

KIND_ORDER = [UnitKind.COMPANY, UnitKind.REGION, UnitKind.CITY, UnitKind.TEAM]
