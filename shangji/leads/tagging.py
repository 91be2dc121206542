"""L2: tags for every lead — industry, region, city, channel, and intent keywords found in the free text by
Chinese word segmentation (jieba), weighted by TF-IDF and filtered to words that carry intent.

jieba builds its dictionary on first use (about a second); web and worker processes warm it at start."""

from __future__ import annotations

import functools
import logging
import re

MAX_KEYWORDS = 6
# Nouns, verbs and foreign words (product names) carry intent; particles and adverbs do not.
_INTENT_POS = ("n", "nz", "vn", "v", "eng", "nr", "ns")
_NOISE = re.compile(r"^[\d\W_]+$")


@functools.cache
def warm_up():
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.analyse


def intent_keywords(text: str, *, limit: int = MAX_KEYWORDS) -> list[str]:
    """The lead's own words that carry intent ("ERP 升级", "冷链", "试用"), most telling first."""
    text = (text or "").strip()
    if not text:
        return []
    analyse = warm_up()
    words = analyse.extract_tags(text, topK=limit * 2, allowPOS=_INTENT_POS)
    return [word for word in words if len(word) > 1 and not _NOISE.match(word)][:limit]


def lead_tags(lead) -> list[dict]:
    tags = []
    if lead.industry_id:
        tags.append({"kind": "industry", "value": lead.industry.name})
    if lead.region_id:
        tags.append({"kind": "region", "value": lead.region.name})
    if lead.city_id:
        tags.append({"kind": "city", "value": lead.city.name})
    if lead.channel:
        tags.append({"kind": "channel", "value": lead.get_channel_display()})
    tags.extend({"kind": "intent", "value": word} for word in intent_keywords(lead.need))
    return tags
