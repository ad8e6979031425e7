"""report.html: a page a person opens after a batch, one card per video and the totals."""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment

if TYPE_CHECKING:  # pragma: no cover
    from avatar.batches.run import BatchResult

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Batch report: {{ summary.rows }} videos</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;background:#f5f6f8;color:#1d232b}
h1{font-size:1.4rem;margin:0 0 .3rem}.totals{margin:0 0 1.5rem;color:#4a5560}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(260px,1fr));gap:1rem}
.card{background:#fff;border-radius:10px;box-shadow:0 1px 3px #0002;overflow:hidden}
.card img,.card .none{display:block;width:100%;aspect-ratio:16/9;object-fit:cover;background:#d9dde2}
.body{padding:.7rem .9rem}.title{font-weight:600;margin:0 0 .3rem}.meta{font-size:.85rem;color:#4a5560}
.status{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.8rem;font-weight:600}
.done{background:#d7f5dd;color:#17652a}.skipped{background:#e3e8ff;color:#2c3f94}.failed{background:#ffdede;color:#9c1b1b}
.error{font-family:ui-monospace,monospace;font-size:.8rem;color:#9c1b1b;white-space:pre-wrap;word-break:break-word}
</style></head><body>
<h1>Batch report</h1>
<p class="totals" id="totals">{{ summary.rows }} rows: {{ summary.done }} done, {{ summary.skipped }} skipped,
{{ summary.failed }} failed; {{ "%.1f"|format(summary.video_seconds) }} s of video rendered in
{{ "%.1f"|format(summary.wall_time) }} s.</p>
<div class="grid">
{% for row in rows %}<div class="card" data-row="{{ row.row }}" data-status="{{ row.status or 'pending' }}">
{% if row.thumbnail %}<img src="{{ row.thumbnail }}" alt="frame of video {{ row.row }}">{% else %}<div class="none"></div>{% endif %}
<div class="body"><p class="title">{{ row.title or row.script_name }}</p>
<p class="meta">row {{ row.row }} · <span class="status {{ row.status }}">{{ row.status or "not rendered" }}</span>
{% if row.duration %} · {{ "%.1f"|format(row.duration) }} s{% endif %}</p>
{% if row.status in ("done", "skipped") %}<p class="meta"><a href="{{ row.link }}">{{ row.link }}</a></p>{% endif %}
{% if row.error %}<p class="error">{{ row.error }}</p>{% endif %}
</div></div>
{% endfor %}</div></body></html>
"""

_PAGE = Environment(autoescape=True).from_string(PAGE)


def report_html(batch: "BatchResult") -> str:
    cards = []
    for row in batch.rows:
        link = Path(os.path.relpath(Path(row.output).resolve(), batch.folder)).as_posix()
        cards.append({**row.__dict__, "link": link, "script_name": Path(row.script).stem})
    return _PAGE.render(rows=cards, summary=batch.summary())
