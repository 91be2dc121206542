"""The settings registry (DESIGN rule 6): every tunable number, with its default, help and spec ID.

Apps register their settings in `<app>/conf.py`; sales ops override values on the settings page.
`setting(key)` returns the override or the default. Overrides are cached per process for a few
seconds so a change made in one web process reaches the others without a restart.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

_CACHE_SECONDS = 5.0  # infrastructure latency, not a business threshold


@dataclass(frozen=True)
class SettingDef:
    key: str
    kind: str  # "int" | "decimal" | "float" | "bool" | "str"
    default: Any
    label: str
    help: str
    spec: str = ""
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None

    @property
    def category(self) -> str:
        return self.key.split(".", 1)[0]

    def parse(self, raw: Any) -> Any:
        """Convert user input to the setting's type or raise ValueError with a Chinese sentence."""
        try:
            if self.kind == "bool":
                value = raw if isinstance(raw, bool) else str(raw).strip().lower() in {"1", "true", "on", "yes", "是"}
            elif self.kind == "int":
                value = int(str(raw).strip())
            elif self.kind == "float":
                value = float(str(raw).strip())
            elif self.kind == "decimal":
                value = Decimal(str(raw).strip())
                if not value.is_finite():
                    raise InvalidOperation
            else:
                value = str(raw).strip()
        except (ValueError, InvalidOperation):
            message = _("“%(label)s”需要填写%(kind)s") % {"label": self.label, "kind": _KIND_NAMES[self.kind]}
            raise ValueError(message) from None
        if self.kind in {"int", "float", "decimal"}:
            if self.minimum is not None and value < self.minimum:
                raise ValueError(_("“%(label)s”不能小于 %(min)s") % {"label": self.label, "min": self.minimum})
            if self.maximum is not None and value > self.maximum:
                raise ValueError(_("“%(label)s”不能大于 %(max)s") % {"label": self.label, "max": self.maximum})
        return value

    def to_json(self, value: Any) -> Any:
        return str(value) if isinstance(value, Decimal) else value


_KIND_NAMES = {"int": _("整数"), "float": _("数字"), "decimal": _("金额或数字"), "bool": _("是/否"), "str": _("文本")}
REGISTRY: dict[str, SettingDef] = {}
_overrides: dict[str, Any] = {}
_loaded_at: float | None = None


def register(key: str, kind: str, default: Any, label: str, help: str, **extra: Any) -> SettingDef:
    if key in REGISTRY:
        raise ValueError(f"setting {key} registered twice")
    definition = SettingDef(key=key, kind=kind, default=default, label=label, help=help, **extra)
    REGISTRY[key] = definition
    return definition


def setting(key: str) -> Any:
    definition = REGISTRY[key]
    overrides = _current_overrides()
    if key in overrides:
        try:
            return definition.parse(overrides[key])
        except ValueError:
            return definition.default
    return definition.default


def _current_overrides() -> dict[str, Any]:
    global _overrides, _loaded_at
    if _loaded_at is None or time.monotonic() - _loaded_at > _CACHE_SECONDS:
        from shangji.core.models import SettingValue

        _overrides = dict(SettingValue.objects.values_list("key", "value"))
        _loaded_at = time.monotonic()
    return _overrides


def forget_cached_overrides() -> None:
    global _loaded_at
    _loaded_at = None
