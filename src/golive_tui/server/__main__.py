"""``python -m golive_tui.server``: ``server`` and ``admin`` commands on their own."""

from golive_tui.server.cli import main

raise SystemExit(main())
