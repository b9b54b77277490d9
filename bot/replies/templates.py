"""The jinja2 environment over outbox_templates/ (StrictUndefined: a missing variable is an error)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2

MAX_SHOWN_CHARS = 160  # a cell value or suggestion longer than this is cut in the mail (not in the workbook)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("outbox_templates", "."),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_template(name: str, **context: Any) -> str:
    """Render one template of outbox_templates/; a missing variable raises jinja2.UndefinedError."""
    return environment().get_template(name).render(**context)


def shorten(text: str | None) -> str:
    """One line, at most MAX_SHOWN_CHARS characters (an ellipsis says it was cut)."""
    text = " ".join((text or "").split())
    return text if len(text) <= MAX_SHOWN_CHARS else text[: MAX_SHOWN_CHARS - 1] + "…"
