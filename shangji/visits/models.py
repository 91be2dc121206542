"""Field visits (SPEC §6): the visit record with its check-in, photos, signals and points; the vocabularies sales
ops edit (signal dictionary, objection types and talk tracks, rewards)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shangji.core.visibility import Scope, VisibleQuerySet
from shangji.visits.choices import CheckInFlag, OptionalField, PhotoKind, Risk, VisitStatus


class VisitQuerySet(VisibleQuerySet):
    pass


class Visit(models.Model):
    """One visit to a customer: planned, checked in, recorded (V1). The phone makes `client_id`, so a visit saved
    offline and synced twice is one row (V5). `visited_at` is when it happened, `recorded_at` when the server got
    the record, `device_recorded_at` what the phone's clock said (V4)."""

    client_id = models.UUIDField(_("客户端编号"), unique=True)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="visits",
                                 verbose_name=_("客户"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="visits",
                              verbose_name=_("拜访人"))
    status = models.CharField(_("状态"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.PLANNED)
    planned_on = models.DateField(_("计划日期"), null=True, blank=True, db_index=True)
    plan_position = models.PositiveSmallIntegerField(_("计划顺序"), default=0)
    # Check-in (V3)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checkin_latitude = models.DecimalField(_("签到纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_longitude = models.DecimalField(_("签到经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    checkin_distance_m = models.PositiveIntegerField(_("签到距客户（米）"), null=True, blank=True)
    checkin_flag = models.CharField(_("签到核验"), max_length=24, choices=CheckInFlag.choices, blank=True)
    # The three required fields (V1)
    pain_keywords = models.JSONField(_("客户痛点关键词"), default=list, blank=True)
    committed_action = models.CharField(_("本次承诺动作"), max_length=300, blank=True)
    next_follow_up_at = models.DateTimeField(_("下次跟进时间"), null=True, blank=True)
    # The daily three (V1)
    focus_product = models.ForeignKey("pipeline.Product", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("今日主推产品"))
    key_demands = models.JSONField(_("客户关键诉求"), default=list, blank=True)
    tomorrow_action = models.CharField(_("明日行动项"), max_length=300, blank=True)
    # Optional, with points
    competitor_price = models.DecimalField(_("竞品价格"), max_digits=12, decimal_places=2, null=True, blank=True)
    stock_level = models.PositiveIntegerField(_("库存数量"), null=True, blank=True)
    notes = models.TextField(_("拜访备注"), blank=True)
    objection = models.ForeignKey("ObjectionType", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="visits", verbose_name=_("客户异议"))
    previous_action_done = models.BooleanField(_("上次承诺已完成"), null=True, blank=True)  # V4 key actions
    points = models.PositiveIntegerField(_("积分"), default=0)
    # Timeliness (V4)
    visited_at = models.DateTimeField(_("拜访时间"), null=True, blank=True, db_index=True)
    recorded_at = models.DateTimeField(_("记录上传时间"), null=True, blank=True)
    device_recorded_at = models.DateTimeField(_("手机记录时间"), null=True, blank=True)
    device_clock_off = models.BooleanField(_("手机时间异常"), default=False)
    version = models.PositiveIntegerField(_("版本"), default=1)  # each accepted change +1; a stale phone copy conflicts
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    # Derived at write time for the manager's page (V4), so 500k visits aggregate without date arithmetic in SQL:
    # seconds from the visit to the server's receipt, and whether the committed action was done by the next visit
    # to the customer (None: no later visit yet, i.e. pending).
    record_delay_s = models.IntegerField(_("记录延迟（秒）"), null=True, blank=True, editable=False)
    action_done = models.BooleanField(_("承诺动作已完成"), null=True, blank=True, editable=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [models.Index(fields=["owner", "visited_at"]), models.Index(fields=["customer", "visited_at"])]
        verbose_name = _("拜访")
        verbose_name_plural = _("拜访")

    def __str__(self) -> str:
        return f"{self.customer} {self.visited_at or self.planned_on or ''}"

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        """The rep's own visits and, for managers, their subtree's (O2)."""
        return Q(owner_id__in=scope.owner_ids)


class VisitPhoto(models.Model):
    """A photo of a visit with the facts read from it and what they say about its authenticity (V3)."""

    client_id = models.UUIDField(_("客户端编号"), unique=True)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos", verbose_name=_("拜访"))
    kind = models.CharField(_("类型"), max_length=12, choices=PhotoKind.choices, default=PhotoKind.OTHER)
    file = models.FileField(_("文件"), upload_to="visits/%Y/%m/")
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    latitude = models.DecimalField(_("拍摄纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("拍摄经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    distance_m = models.PositiveIntegerField(_("拍摄地距客户（米）"), null=True, blank=True)
    flags = models.JSONField(_("核验标记"), default=list, blank=True)
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("拜访照片")
        verbose_name_plural = _("拜访照片")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class SignalKind(models.Model):
    """One entry of the signal dictionary (V2): sales ops edit the words and the risk level."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    label = models.CharField(_("名称"), max_length=40)
    risk = models.CharField(_("风险等级"), max_length=10, choices=Risk.choices)
    words = models.JSONField(_("触发词"), default=list)
    is_active = models.BooleanField(_("启用"), default=True)
    sequence = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("信号词典")
        verbose_name_plural = _("信号词典")

    def __str__(self) -> str:
        return self.label


class VisitSignal(models.Model):
    """A signal found in a visit's notes or tags, kept for the manager's top problems and the weekly brief."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="signals", verbose_name=_("拜访"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="visit_signals",
                                 verbose_name=_("客户"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("拜访人"))
    kind = models.CharField(_("信号"), max_length=40)
    label = models.CharField(_("名称"), max_length=40)
    risk = models.CharField(_("风险等级"), max_length=10, choices=Risk.choices)
    word = models.CharField(_("触发词"), max_length=40)
    snippet = models.CharField(_("原文"), max_length=80)
    found_at = models.DateTimeField(_("发现时间"), db_index=True)

    class Meta:
        ordering = ["-found_at", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "kind"], name="visit_signal_once_per_kind")]
        verbose_name = _("拜访信号")
        verbose_name_plural = _("拜访信号")

    def __str__(self) -> str:
        return f"{self.label}: {self.snippet}"


class ObjectionType(models.Model):
    """A customer objection a rep can log (V6: 价格太高, 已有供应商 …); its talk tracks answer it."""

    name = models.CharField(_("异议"), max_length=40, unique=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sequence = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("客户异议")
        verbose_name_plural = _("客户异议")

    def __str__(self) -> str:
        return self.name


class TalkTrack(models.Model):
    """A standard answer to an objection (the talk-track library sales ops edit)."""

    objection = models.ForeignKey(ObjectionType, on_delete=models.CASCADE, related_name="talk_tracks",
                                  verbose_name=_("异议"))
    title = models.CharField(_("标题"), max_length=60)
    answer = models.TextField(_("话术"))
    sequence = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["sequence", "id"]
        verbose_name = _("应答话术")
        verbose_name_plural = _("应答话术")

    def __str__(self) -> str:
        return self.title


class PointEntry(models.Model):
    """The points ledger (V1): earned per completed optional field of a visit, spent on rewards."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_entries",
                             verbose_name=_("销售"))
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, null=True, blank=True, related_name="point_entries",
                              verbose_name=_("拜访"))
    field = models.CharField(_("项目"), max_length=20, choices=OptionalField.choices, blank=True)
    reward = models.ForeignKey("Reward", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("兑换"))
    points = models.IntegerField(_("积分"))
    created_at = models.DateTimeField(_("时间"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["visit", "field"], condition=Q(visit__isnull=False),
                                               name="points_once_per_visit_field")]
        verbose_name = _("积分记录")
        verbose_name_plural = _("积分记录")

    def __str__(self) -> str:
        return f"{self.points:+d}"


class Reward(models.Model):
    """What points redeem (admins define them: 培训课时, 物流优先 …)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    cost = models.PositiveIntegerField(_("所需积分"))
    is_active = models.BooleanField(_("可兑换"), default=True)

    class Meta:
        ordering = ["cost", "id"]
        verbose_name = _("积分奖励")
        verbose_name_plural = _("积分奖励")

    def __str__(self) -> str:
        return self.name


class WeeklyBriefQuerySet(VisibleQuerySet):
    pass


class WeeklyBrief(models.Model):
    """One rep's 《我的客户洞察简报》 for the 7 days ending `week_start + 6` (V7). `sections` holds the computed
    facts (names, counts, amounts); the sentences are written from them when shown, in the reader's language."""

    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="weekly_briefs",
                            verbose_name=_("销售"))
    week_start = models.DateField(_("周起始日"))
    sections = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("生成时间"))

    objects = WeeklyBriefQuerySet.as_manager()

    class Meta:
        ordering = ["-week_start", "-id"]
        constraints = [models.UniqueConstraint(fields=["rep", "week_start"], name="weekly_brief_once_per_week")]
        verbose_name = _("客户洞察简报")
        verbose_name_plural = _("客户洞察简报")

    def __str__(self) -> str:
        return f"{self.rep} {self.week_start}"

    @property
    def week_end(self):
        from datetime import timedelta

        return self.week_start + timedelta(days=6)

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        """A rep's own briefs and, for managers, their subtree's reps' (O2)."""
        return Q(rep_id__in=scope.owner_ids)


class RollupQuerySet(VisibleQuerySet):
    pass


class VisitDay(models.Model):
    """The manager's page's counts (V3, V4) of one rep's visits on one company-time day with customers of one city
    and one record-delay bucket, kept by services in the visit's transaction (see shangji/visits/rollups.py).

    `delay_hours` is the record delay rounded up to whole hours (0 for a record at or before the visit time, capped
    one past the largest allowed `visits.record_within_hours`; None when not recorded): a visit is timely for a
    limit of h hours exactly when its bucket is ≤ h, so any value of the setting is answered without a rebuild.
    `team` is the rep's team when the row was last written (a rep who changes teams keeps past days in the old
    team), `city` the customer's city then."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False,
                              verbose_name=_("拜访人"))
    day = models.DateField(_("日期"))
    city = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             db_index=False, verbose_name=_("客户地市"))
    team = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             db_index=False, verbose_name=_("团队"))
    delay_hours = models.PositiveSmallIntegerField(_("记录延迟（整小时）"), null=True, blank=True)
    recorded = models.PositiveIntegerField(_("已记录"), default=0)
    checked_in_only = models.PositiveIntegerField(_("签到未记录"), default=0)
    actions_done = models.PositiveIntegerField(_("承诺已完成"), default=0)
    actions_missed = models.PositiveIntegerField(_("承诺未完成"), default=0)
    actions_pending = models.PositiveIntegerField(_("承诺待确认"), default=0)
    checkin_ok = models.PositiveIntegerField(_("签到正常"), default=0)
    checkin_far = models.PositiveIntegerField(_("签到过远"), default=0)
    checkin_no_customer_location = models.PositiveIntegerField(_("客户未设置位置"), default=0)
    checkin_no_position = models.PositiveIntegerField(_("未获取到定位"), default=0)
    photos = models.PositiveIntegerField(_("照片"), default=0)
    photos_clean = models.PositiveIntegerField(_("无异常照片"), default=0)
    photo_no_exif = models.PositiveIntegerField(_("照片无拍摄信息"), default=0)
    photo_far = models.PositiveIntegerField(_("拍摄地点过远"), default=0)
    photo_early = models.PositiveIntegerField(_("拍摄时间早于拜访"), default=0)
    photo_late = models.PositiveIntegerField(_("拍摄时间晚于记录"), default=0)
    photo_no_gps = models.PositiveIntegerField(_("照片无拍摄地点"), default=0)
    photo_no_time = models.PositiveIntegerField(_("照片无拍摄时间"), default=0)

    objects = RollupQuerySet.as_manager()

    class Meta:
        ordering = ["day", "owner", "id"]
        indexes = [models.Index(fields=["day", "owner"], name="visit_day_by_day"),
                   models.Index(fields=["owner", "day"], name="visit_day_by_owner")]
        verbose_name = _("拜访日汇总")
        verbose_name_plural = _("拜访日汇总")

    def __str__(self) -> str:
        return f"{self.owner_id} {self.day}"

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        return Q(owner_id__in=scope.owner_ids)


class VisitProblem(models.Model):
    """One customer problem of a recorded visit (V2 top problems): a medium or high risk signal, or a pain keyword.
    `team` and `city` are the rep's team and the customer's city when the row was written. `prev_day` is the day of
    the previous row of the same (team, customer, problem), so the distinct customers of a team's problem in a
    period are the period's rows whose `prev_day` is before it — a count, not a COUNT(DISTINCT)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+", db_index=False,
                              verbose_name=_("拜访"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False,
                              verbose_name=_("拜访人"))
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+", db_index=False,
                                 verbose_name=_("客户"))
    team = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             db_index=False, verbose_name=_("团队"))
    city = models.ForeignKey("org.OrgUnit", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                             db_index=False, verbose_name=_("客户地市"))
    day = models.DateField(_("日期"))
    prev_day = models.DateField(_("上次出现日期"), null=True, blank=True)
    source = models.CharField(_("来源"), max_length=8)  # "signal" | "keyword"
    code = models.CharField(_("问题"), max_length=40)  # the signal kind, or the keyword itself
    label = models.CharField(_("名称"), max_length=40)
    risk = models.CharField(_("风险等级"), max_length=10, blank=True)

    objects = RollupQuerySet.as_manager()

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["team", "source", "code", "day", "prev_day"], name="visit_problem_by_team"),
                   models.Index(fields=["day", "team", "source", "code", "prev_day"], name="visit_problem_by_day"),
                   models.Index(fields=["owner", "day"], name="visit_problem_by_owner"),
                   models.Index(fields=["customer"], name="visit_problem_by_customer"),
                   models.Index(fields=["visit"], name="visit_problem_by_visit")]
        verbose_name = _("拜访问题")
        verbose_name_plural = _("拜访问题")

    def __str__(self) -> str:
        return f"{self.label} {self.day}"

    @classmethod
    def visibility_q(cls, scope: Scope) -> Q:
        return Q(owner_id__in=scope.owner_ids)


class VisitRecording(models.Model):
    """An audio recording of a visit (V2: what the customer said, in their words). The format is what the bytes are
    (magic numbers), not what the phone declared; `duration_s` is read only where the header gives it cheaply."""

    client_id = models.UUIDField(_("客户端编号"), unique=True)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="recordings", verbose_name=_("拜访"))
    file = models.FileField(_("文件"), upload_to="visits/audio/%Y/%m/")
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小（字节）"))
    duration_s = models.FloatField(_("时长（秒）"), null=True, blank=True)
    created_at = models.DateTimeField(_("上传时间"))

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("拜访录音")
        verbose_name_plural = _("拜访录音")

    def __str__(self) -> str:
        return f"{self.visit_id} #{self.pk}"

    @property
    def duration_text(self) -> str:
        """"1:05" for 65 seconds, "" when unknown."""
        if self.duration_s is None:
            return ""
        seconds = max(1, round(self.duration_s))
        return f"{seconds // 60}:{seconds % 60:02d}"
