"""L1: the QR code of a campaign's public form (微信扫码留资), as inline SVG for the page and PNG/SVG files
for print. The code encodes the absolute short link, so a poster works without any lookup."""

from __future__ import annotations

import io

import segno

# 10 px per module: a version-3 code (29 modules + quiet zone) comes out at ~370 px, sharp on an A5 poster
# and still small enough to paste into a WeChat article.
PNG_SCALE = 10
BORDER = 4  # the quiet zone the QR standard asks for


def _code(url: str):
    return segno.make(url, error="m", micro=False)


def qr_svg_inline(url: str) -> str:
    """An <svg> element (no XML declaration) to embed in a page; scales with CSS."""
    return _code(url).svg_inline(scale=4, border=BORDER, omitsize=True, title=url)


def qr_svg_file(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="svg", scale=PNG_SCALE, border=BORDER, title=url)
    return buffer.getvalue()


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    _code(url).save(buffer, kind="png", scale=PNG_SCALE, border=BORDER)
    return buffer.getvalue()
