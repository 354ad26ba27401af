"""QR codes for ad codes' short URLs, as PNG (for print) and SVG (for designers), made with segno."""
from __future__ import annotations

import io

import segno

# Error correction M survives a smudge on newsprint; a 4-module quiet zone is what scanners expect.
ERROR_CORRECTION = "m"
BORDER = 4


def _qr(url: str) -> segno.QRCode:
    # micro=False: phone cameras do not read Micro QR codes, which segno picks for short data.
    return segno.make(url, error=ERROR_CORRECTION, micro=False, boost_error=False)


def png(url: str, *, scale: int = 10) -> bytes:
    """A black-on-white PNG of the QR code for `url`."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="png", scale=scale, border=BORDER)
    return buffer.getvalue()


def svg(url: str, *, title: str, scale: int = 10) -> bytes:
    """A standalone SVG document of the QR code for `url`, with a <title> for screen readers."""
    buffer = io.BytesIO()
    _qr(url).save(buffer, kind="svg", scale=scale, border=BORDER, xmldecl=True, title=title, svgns=True,
                  encoding="utf-8")
    return buffer.getvalue()
