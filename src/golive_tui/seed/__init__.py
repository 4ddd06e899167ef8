"""Projects to start from: the demo go-live read from its packaged file, and synthetic ones.

Outside the pure domain because it reads files and draws random numbers; the records it
gives are built and validated by :mod:`golive_tui.domain.project_doc`.
"""

from golive_tui.seed.fixture import load_demo
from golive_tui.seed.generator import generate_project

__all__ = ["generate_project", "load_demo"]
