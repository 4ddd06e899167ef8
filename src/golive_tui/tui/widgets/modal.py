"""The box every modal dialog of golive is drawn in: centred on a dimmed screen, a rounded
border in the primary colour with the dialog's title on it, on the surface colour.

A dialog extends :class:`BoxModal` and puts its content in a container with the class
``modal-box`` (:meth:`BoxModal.box` makes one); its own CSS says only how wide the box is.
"""

from __future__ import annotations

from typing import TypeVar

from textual.containers import Vertical
from textual.screen import ModalScreen

R = TypeVar("R")


class BoxModal(ModalScreen[R]):
    """A modal screen whose content sits in one bordered, titled box."""

    DEFAULT_CSS = """
    BoxModal {
        align: center middle;
    }
    BoxModal > .modal-box {
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
        padding: 0 1;
    }
    """

    @staticmethod
    def box(box_id: str | None = None) -> Vertical:
        """The dialog's box, to compose its content in."""
        return Vertical(id=box_id, classes="modal-box")
