"""`python -m bot` is the same as the `localreport` command."""

from __future__ import annotations

from bot.entrypoints.cli import main

raise SystemExit(main())
