"""Registers the leads engine's timer handlers (imported by the app config)."""

from shangji.leads import nurture  # noqa: F401  registers the nurture-step timer handler
