"""P2 evidence for seeded deals: the questionnaires and files the stage gates ask for.

Part of the deals that went through a gated stage (需求确认, 技术对接) carry its evidence — a filled
《客户需求清单》, a call-recording summary, a technical proposal — dated while the deal sat in that
stage; some deals waiting in a gated stage are half-way through its checklist. The files are a few
sample documents written once under MEDIA_ROOT/attachments/demo/ and shared by the rows.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q

from shangji.pipeline.models import Pipeline, Stage, StageGate
from shangji.pipeline.pipelines import is_forward, stages_left

SUBMISSION_COLUMNS = ("template_id", "opportunity_id", "answers", "submitted_by_id", "submitted_at")
ATTACHMENT_COLUMNS = ("entity", "entity_id", "kind", "file", "original_name", "size", "content_type",
                      "uploaded_by_id", "uploaded_at")
EVIDENCE_RATE = 0.3  # deals that left a gated stage with its evidence on file (older history predates P2)
HALF_WAY_RATE = 0.5  # deals waiting in a gated stage that already filled in its questionnaire
_TEXT_ANSWERS = ("质量追溯依赖纸质记录，客诉时查不清批次", "换线时间长，产能利用率不到六成",
                 "设备数据无法实时采集，停机原因靠人工填报", "仓库账实不符，月底盘点要停产两天",
                 "多个系统数据不通，排产靠 Excel", "外观检测靠人工，漏检率偏高")


class Evidence:
    def __init__(self, *, gates: list[StageGate], files: dict[str, tuple[str, int]], now: datetime) -> None:
        self.gates: dict[int, list[StageGate]] = {}
        for gate in gates:
            self.gates.setdefault(gate.stage_id, []).append(gate)
        self.files = files
        self.now = now

    @classmethod
    def prepare(cls, *, now: datetime) -> Evidence:
        """Read the active form and attachment gates and write one sample file per deliverable kind."""
        gates = list(StageGate.objects.filter(is_active=True, kind__in=["form", "attachment"])
                     .filter(Q(form_template__is_active=True) | Q(deliverable_kind__is_active=True))
                     .select_related("form_template", "deliverable_kind").order_by("sequence", "id"))
        folder = Path(settings.MEDIA_ROOT) / "attachments" / "demo"
        files = {}
        for gate in gates:
            kind = gate.deliverable_kind
            if kind is None or kind.code in files:
                continue
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{kind.code}.txt"
            if not path.exists():
                path.write_text(f"{kind.name}（演示文件）\n\n本文件由演示数据生成，内容仅供展示。\n", encoding="utf-8")
            files[kind.code] = (f"attachments/demo/{kind.code}.txt", path.stat().st_size)
        return cls(gates=gates, files=files, now=now)

    def needs(self, pipeline: Pipeline, stage: Stage) -> list[StageGate]:
        return [gate for gate in self.gates.get(stage.pk, ()) if gate.pipeline_id in (None, pipeline.pk)]

    def add(self, batch, *, rng: random.Random, opportunity_id: int, owner_id: int, pipeline: Pipeline,
            order: list[Stage], stages: list[Stage], at: list[datetime], short_name: str) -> None:
        for i in range(1, len(stages)):
            if not is_forward(order, stages[i - 1], stages[i]):
                continue
            for left in stages_left(order, stages[i - 1], stages[i]):
                gates = self.needs(pipeline, left)
                if gates and rng.random() < EVIDENCE_RATE:
                    moment = at[i - 1] + (at[i] - at[i - 1]) * rng.uniform(0.2, 0.9)
                    for gate in gates:
                        self._write(batch, gate, rng, opportunity_id, owner_id, moment, short_name)
        final = stages[-1]
        waiting = [gate for gate in self.needs(pipeline, final) if gate.kind == "form"] if not final.is_closed else []
        if waiting and rng.random() < HALF_WAY_RATE:
            moment = min(at[-1] + timedelta(hours=rng.uniform(1, 72)), self.now - timedelta(minutes=5))
            if moment > at[-1]:
                for gate in waiting:
                    self._write(batch, gate, rng, opportunity_id, owner_id, moment, short_name)

    def _write(self, batch, gate: StageGate, rng: random.Random, opportunity_id: int, owner_id: int,
               moment: datetime, short_name: str) -> None:
        if gate.kind == "form":
            batch.submissions.append((gate.form_template_id, opportunity_id, self._answers(gate, rng, moment),
                                      owner_id, moment))
            return
        kind = gate.deliverable_kind
        name, size = self.files[kind.code]
        batch.attachments.append(("opportunity", opportunity_id, kind.code, name, f"{short_name}-{kind.name}.txt",
                                  size, "text/plain", owner_id, moment))

    @staticmethod
    def _answers(gate: StageGate, rng: random.Random, moment: datetime) -> list[dict]:
        answers = []
        for question in gate.form_template.questions:
            kind = question.get("type")
            if kind == "choice":
                value = rng.choice(question.get("choices") or [""]) or None
            elif kind == "number":
                value = str(rng.randint(20, 800))
            elif kind == "date":
                value = (moment + timedelta(days=rng.randint(60, 300))).date().isoformat()
            else:
                value = rng.choice(_TEXT_ANSWERS)
            answers.append({"key": question["key"], "label": question["label"], "value": value})
        return answers
