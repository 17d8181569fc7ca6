"""`report.md` as one self-contained HTML file: the plots embedded as base64 data URIs."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; padding: 0 1rem;
       color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
img { max-width: 100%; }
code, pre { background: #f6f6f6; font-size: 0.85rem; }
pre { padding: 0.6rem; overflow-x: auto; }
"""
_IMG = re.compile(r'<img src="([^"]+)"')


def _embed(run_dir: Path, body: str) -> str:
    def data_uri(match: re.Match[str]) -> str:
        src = html.unescape(match.group(1))
        path = (run_dir / src).resolve()
        if src.startswith(("data:", "http:", "https:")) or not path.is_file():
            return match.group(0)
        kind = "svg+xml" if path.suffix == ".svg" else path.suffix.lstrip(".").lower() or "png"
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        return f'<img src="data:image/{kind};base64,{encoded}"'

    return _IMG.sub(data_uri, body)


def report_html(run_dir: Path) -> str:
    """The run folder's report.md rendered to HTML, images inlined."""
    from markdown_it import MarkdownIt

    text = (run_dir / "report.md").read_text(encoding="utf-8")
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
    title = text.splitlines()[0].lstrip("# ").strip() if text else "synthmill report"
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{_embed(run_dir, body)}</body></html>\n"
    )


def write_report_html(run_dir: Path, path: Path | None = None) -> Path:
    """Write `report.html` (or `path`) beside report.md; returns where."""
    from schemas.tables import atomic_open

    target = path or run_dir / "report.html"
    with atomic_open(target) as fh:
        fh.write(report_html(run_dir))
    return target
