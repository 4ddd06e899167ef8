"""The lifecycle: the seven phases with their milestones, and the people and scope around
them (stakeholders, the kickoff, the RAID log, change requests)."""

from golive_tui.tui.screens.lifecycle.screen import LifecycleScreen

__all__ = ["LifecycleScreen"]
