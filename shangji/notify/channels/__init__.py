"""Delivery channels, one module per platform: pure payload builders, signing, and a `send` function.

`send` returns the receiver's status code and raises `DeliveryFailed` with a readable reason on any
failure (non-2xx, an error code in the answer, a timeout, a refused connection).
"""

from shangji.notify.channels import dingtalk, feishu, wecom
from shangji.notify.channels.base import DeliveryFailed, Mention

ROBOT_CHANNELS = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}

__all__ = ["ROBOT_CHANNELS", "DeliveryFailed", "Mention"]
