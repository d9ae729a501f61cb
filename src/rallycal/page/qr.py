"""A QR code of the subscribe page's address, as inline SVG, for posters and screens.

It opens the page rather than a feed: `webcal://` does nothing on Android, and the
page lets each phone pick its own calendar app. Dark modules on white, whatever the
page's colour scheme, so every camera reads it.
"""

from __future__ import annotations

from rallycal.page.markup import Markup


def qr_svg(url: str, title: str) -> Markup:
    """`url` as a QR code: an `<svg>` with a viewBox, sized by the page's CSS."""
    import segno  # here: only a page with a base URL has a code (segno imports http, ssl)

    code = segno.make(url, error="m", micro=False)
    svg: str = code.svg_inline(
        dark="#000",
        light="#fff",
        omitsize=True,
        svgclass="qr-code",
        lineclass=None,
        title=title,
    )
    return Markup(svg)
