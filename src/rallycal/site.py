"""The subscribe page, `index.html`, written from the same model as the feeds."""

from __future__ import annotations

from html import escape

from rallycal.feeds import Feed
from rallycal.manifest import feed_url
from rallycal.model import Season


def index_page(season: Season, feeds: tuple[Feed, ...]) -> bytes:
    """A plain page linking every feed."""
    title = escape(f"{season.series.name} {season.series.season}")
    items = "\n".join(
        f'<li><a href="{escape(feed_url(season, f.path) or f.path)}">{escape(f.title)}</a></li>'
        for f in feeds
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><ul>
{items}
</ul></body></html>
"""
    return page.encode("utf-8")
