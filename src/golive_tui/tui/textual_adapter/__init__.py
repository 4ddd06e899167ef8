"""Every use golive makes of Textual's private API, in one place.

Textual's public API leaves out a few things golive needs: a start-up without a second
style pass (ARCHITECTURE §4 budgets the first frame), the breakpoint classes a screen will
get before it is first styled, a table cell drawn without the layers DataTable wraps it in
(the porting tracker's page-down budget), a text field's value that widens without a
layout of the screen (its filter keystroke), a screen's own bindings for the help, and the
Linux driver's output file and input parser (the terminal's loss, ``tui/terminal.py``).
Those reach into Textual's private members, which may change in any release; they do so
here alone (the table in ``quick_table``, read only with the first table). ``private_api()`` lists each private name relied on, with the shape expected, and
``tests/tui/test_textual_adapter.py`` checks them against the installed Textual, so that
an upgrade that moves one fails with the name and what to re-check, not with a wrong
picture. Nothing else in golive touches a private Textual name (that test checks it too).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from types import CodeType
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.terminal_theme import TerminalTheme
from textual._xterm_parser import XTermParser
from textual.app import App
from textual.binding import Binding, BindingsMap
from textual.cache import LRUCache
from textual.dom import DOMNode
from textual.driver import Driver
from textual.drivers.linux_driver import LinuxDriver
from textual.errors import NoWidget
from textual.geometry import Size
from textual.screen import Screen
from textual.strip import Strip
from textual.widget import AwaitMount, Widget
from textual.widgets import Input

if TYPE_CHECKING:
    # the text area (and its document and themes) is read when a text box is first made;
    # the data table with the first table (``quick_table``), after the first paint
    from textual.widgets import DataTable, TextArea


class PrivateName(NamedTuple):
    """A private member of a Textual class that golive relies on."""

    owner: type[Any]
    name: str
    #: a method's parameters after ``self``, in order; None for an attribute
    parameters: tuple[str, ...] | None
    #: what golive does with it, and so what to re-check when it changes
    use: str


def private_api() -> tuple[PrivateName, ...]:
    """Every private name golive relies on (built when asked: the text area it names is
    read only when a text box is first made)."""
    from textual.widgets import DataTable, TextArea

    return (
        PrivateName(App, "_css_update_count", None,
                    "share_app_styles: a screen styled by the app's sheets is not stale"),
        PrivateName(Screen, "_css_update_count", None,
                    "share_app_styles: a screen styled by the app's sheets is not stale"),
        PrivateName(Screen, "_get_breakpoint_classes", ("dimension", "breakpoints"),
                    "breakpoint_classes: a screen's size classes before it is styled"),
        PrivateName(App, "_refresh_truecolor_filter", ("theme",),
                    "start_colour_filter: the theme's colours without a restyle at start-up"),
        PrivateName(DOMNode, "_bindings", None, "own_bindings: the keys the help lists"),
        PrivateName(DataTable, "_render_cell",
                    ("row_index", "column_index", "base_style", "width", "cursor", "hover"),
                    "QuickCellTable._render_cell: one-line text cells drawn directly"),
        PrivateName(DataTable, "_render_line", ("y", "x1", "x2", "base_style"),
                    "QuickCellTable._render_line: a body line kept by whether the cursor is on "
                    "its row, the header by its columns"),
        PrivateName(DataTable, "_render_line_in_row",
                    ("row_key", "line_no", "base_style", "cursor_location", "hover_location"),
                    "QuickCellTable._render_line_in_row: a body row drawn as DataTable draws it"),
        PrivateName(DataTable, "_get_offsets", ("y",), "QuickCellTable._render_line: the row "
                    "at a line"),
        PrivateName(DataTable, "_get_row_style", ("row_index", "base_style"),
                    "QuickCellTable: a body row's (zebra) style, once a drawing"),
        PrivateName(DataTable, "_clear_caches", (),
                    "QuickCellTable._clear_caches: the header's lines dropped with DataTable's"),
        PrivateName(DataTable, "_labelled_row_exists", None,
                    "QuickCellTable._quick_rows: rows with labels take DataTable's path"),
        PrivateName(DataTable, "_header_row_key", None,
                    "QuickCellTable._render_line: the header's lines, kept by its columns"),
        PrivateName(DataTable, "_row_label_column_width", None,
                    "QuickCellTable: the space after a row's last column"),
        PrivateName(DataTable, "_update_dimensions", ("new_rows",),
                    "QuickCellTable._update_dimensions: redrawn when columns widen"),
        PrivateName(DataTable, "_get_row_renderables", ("row_index",),
                    "QuickCellTable._render_cell: the cell's renderable, as DataTable formats it"),
        PrivateName(DataTable, "_get_styles_to_render_cell",
                    ("is_header_cell", "is_row_label_cell", "is_fixed_style_cell", "hover",
                     "cursor", "show_cursor", "show_hover_cursor", "has_css_foreground_priority",
                     "has_css_background_priority"),
                    "QuickCellTable._render_cell: the cell's styles, as DataTable works them out"),
        PrivateName(DataTable, "_row_locations", None, "QuickCellTable._render_cell: row keys"),
        PrivateName(DataTable, "_column_locations", None,
                    "QuickCellTable._render_cell: column keys"),
        PrivateName(DataTable, "_cell_render_cache", None,
                    "QuickCellTable._render_cell: the cache DataTable draws cells from"),
        PrivateName(DataTable, "_show_hover_cursor", None,
                    "QuickCellTable._render_cell: part of a cell's cache key"),
        PrivateName(DataTable, "_update_count", None,
                    "QuickCellTable: part of a cell's cache key; raised to draw again"),
        PrivateName(DataTable, "_pseudo_class_state", None,
                    "QuickCellTable._render_cell: part of a cell's cache key"),
        PrivateName(DataTable, "_row_render_cache", None,
                    "QuickCellTable.forget_drawn: a page's lines dropped when it is replaced"),
        PrivateName(DataTable, "_row_renderable_cache", None,
                    "QuickCellTable.forget_drawn: a page's lines dropped when it is replaced"),
        PrivateName(DataTable, "_line_cache", None,
                    "QuickCellTable.forget_drawn: a page's lines dropped when it is replaced"),
        PrivateName(DataTable, "_offset_cache", None,
                    "QuickCellTable.forget_drawn: a page's lines dropped when it is replaced"),
        PrivateName(DataTable, "_ordered_row_cache", None,
                    "QuickCellTable.forget_drawn: a page's lines dropped when it is replaced"),
        PrivateName(DataTable, "_data", None,
                    "QuickCellTable.rewrite_rows: a page's cells put in place at once"),
        PrivateName(DataTable, "_require_update_dimensions", None,
                    "measuring: rows not yet measured"),
        PrivateName(DataTable, "_updated_cells", None, "measuring: cells not yet measured"),
        PrivateName(LinuxDriver, "_file", None,
                    "driver_output, replace_driver_output: what the output thread writes to"),
        PrivateName(Driver, "_app", None, "driver_app: the app a driver posts to"),
        PrivateName(Driver, "_debug", None, "input_parser: the parser as the driver makes it"),
        PrivateName(XTermParser, "__init__", ("debug",),
                    "input_parser: textual._xterm_parser, a private module"),
        PrivateName(Input, "_position_to_cell", ("position",),
                    "InputCells: a plain value measured by its length"),
        PrivateName(Input, "_watch_value", ("value",),
                    "InputCells._watch_value: a value's new width lays out the field alone"),
        PrivateName(Widget, "_scroll_update", ("virtual_size",),
                    "InputCells._watch_value, QuickCellTable._update_dimensions: scrolling "
                    "bounded by a new virtual size without a layout"),
        PrivateName(Input, "_suggestion", None, "input_look: drawn by Input when one is shown"),
        PrivateName(Input, "_cursor_visible", None, "input_look: the cursor's blink phase"),
        PrivateName(Input, "_restart_blink", (), "restart_blink: a held key shows the cursor"),
        PrivateName(TextArea, "_restart_blink", (), "restart_blink: a held key shows the cursor"),
        PrivateName(TextArea, "_replace_via_keyboard", ("insert", "start", "end"),
                    "type_into: a run of typed keys inserted as typing inserts one"),
        PrivateName(Screen, "_binding_chain", None,
                    "own_key_bindings: a field's own bindings, keymap applied; priority_keys"),
        PrivateName(Screen, "_clear_tooltip", (),
                    "keys_read: a run of typed keys clears a tooltip as a key does"),
        PrivateName(Widget, "_layout_required", None,
                    "settled_by_first_layout: a layout asked for before the first one; "
                    "QuickCellTable._update_dimensions: a table's new size lays out nothing"),
        PrivateName(Widget, "_repaint_required", None,
                    "settled_by_first_layout: a repaint asked for before the first paint"),
        PrivateName(Screen, "_on_screen_resume", ("event",),
                    "repaint_after_resume_layout: the repaint asked for after that layout"),
        PrivateName(AwaitMount, "_widgets", None,
                    "mount_already_placed: the widgets a finished mount added"),
        PrivateName(LRUCache, "_cache", None,
                    "drop_caches_without_cycles: the ring of entries a clear leaves behind"),
    )

#: Textual's input loop, which ``TerminalDriver.run_input_thread`` is a copy of (told to
#: stop when the terminal goes); the test compares this with the installed source
COPIED_INPUT_LOOP = (LinuxDriver, "run_input_thread")


# -- garbage -------------------------------------------------------------------------------


def drop_caches_without_cycles() -> None:
    """Have Textual's render caches free what they drop at once, not at a full collection.

    Two of Textual's caches leave reference cycles behind, and everything the cycles hold
    (lines of segments, styles, texts) then waits for a full garbage collection, which walks
    every object the app holds: an ``LRUCache`` keeps its entries as a ring of linked lists
    and its ``clear`` drops the whole ring at once (DataTable clears seven of them whenever a
    cell changes, so on every page and keystroke of the porting tracker); and a ``Strip``
    divided at its own length caches the list ``[itself]`` in itself (the compositor does
    that to every line it paints). At 100,000 numbers the tracker left about 4,000 such
    objects a keystroke, and a full collection then cost 0.3 s of CPU. Here the ring is cut
    before it is dropped, and the strip is not cached in itself (``[strip]`` is cheaper to
    make than to look up). Done once per process; the results are the same as before.
    """
    if getattr(LRUCache.clear, "_golive", False):
        return
    clear_ring = LRUCache.clear
    divide = Strip.divide

    def clear(self: LRUCache[Any, Any]) -> None:
        for link in self._cache.values():
            link.clear()
        clear_ring(self)

    def divide_without_cycle(self: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
        length = self.cell_length
        kept = [cut for cut in cuts if cut <= length]
        if kept == [length]:
            return [self]
        return divide(self, kept)

    clear._golive = True  # type: ignore[attr-defined]
    LRUCache.clear = clear  # type: ignore[method-assign]
    Strip.divide = divide_without_cycle  # type: ignore[method-assign]


# -- screens and the app ------------------------------------------------------------------


def share_app_styles(screen: Screen[Any]) -> None:
    """Count ``screen`` as styled by the app's sheets as they are now.

    Textual marks every new screen stale, and starting its mode then re-parses every sheet
    twice and restyles the app: a tenth of the first screen's start-up, for a screen that
    brings no sheet of its own and so has nothing new.
    """
    screen._css_update_count = screen.app._css_update_count


def settled_by_first_layout(screen: Screen[Any]) -> None:
    """Drop the layouts and repaints the screen's widgets asked for up to its first layout.

    Call it right after that layout, with the screen's whole repaint still to come (as on
    its first resume). A widget asks for a layout and a repaint as it is styled, mounted
    and first given its size (by that layout), and sends them to the screen only when its
    own queue first goes idle: at start-up that is after the screen has painted, so the
    screen would lay out and repaint every widget again for nothing. The layout placed
    every widget as it then was, and the screen's repaint paints them all. A widget that
    now shows a scrollbar keeps what it asked for: the layout placed its children without
    it. What a widget asks for later is sent as always. The screen's own asks up to then
    (its first virtual size, the focus, its mounts) are dropped alike: that layout and
    paint were the screen's.
    """
    for widget in (screen, *screen.walk_children(Widget)):
        if not (widget.show_vertical_scrollbar or widget.show_horizontal_scrollbar):
            widget._layout_required = False
            widget._repaint_required = False


def _await_mount_code() -> CodeType | None:
    for const in AwaitMount.__await__.__code__.co_consts:
        if isinstance(const, CodeType) and const.co_name == "await_mount":
            return const
    return None


#: the coroutine with which a mount, once its widgets have all mounted, asks their parent
#: for a layout (``AwaitMount.__await__``); None if Textual no longer has it
AWAIT_MOUNT_CODE = _await_mount_code()


def mount_already_placed(screen: Screen[Any]) -> bool:
    """Whether the layout ``screen`` is being asked for (call it first thing in the
    screen's ``refresh``) comes from the end of a mount whose widgets its last layout
    already placed.

    A screen's widgets are composed and mounted before its first layout, which places them
    all; each mount, once its widgets have handled their mount event, then asks the screen
    for a layout and a whole repaint, which at start-up come after the first paint. That
    layout places the same widgets in the same places, and the repaint paints every line
    again. What a widget changed as it mounted asks for its own layout and repaint.
    """
    caller = sys._getframe(2)  # this, the screen's refresh, its caller
    if AWAIT_MOUNT_CODE is None or caller.f_code is not AWAIT_MOUNT_CODE:
        return False
    mount = caller.f_locals.get("self")
    if not isinstance(mount, AwaitMount) or not mount._widgets:
        return False
    for widget in mount._widgets:
        if not widget.display:  # hidden: a layout would not place it either
            continue
        try:
            screen.find_widget(widget)
        except NoWidget:  # not placed yet: lay out as asked
            return False
    return True


def repaint_after_resume_layout() -> bool:
    """Whether the repaint a screen is being asked for (call it first thing in the
    screen's ``refresh``) is the one Textual's resume handler asks for right after it laid
    the screen out, which painted it whole."""
    return sys._getframe(2).f_code is Screen._on_screen_resume.__code__


def breakpoint_classes(
    screen: Screen[Any], dimension: int, breakpoints: list[tuple[int, str]]
) -> set[str]:
    """The classes Textual gives ``screen`` for one ``dimension`` of its size."""
    return screen._get_breakpoint_classes(dimension, breakpoints)


def start_colour_filter(app: App[Any], theme: TerminalTheme) -> None:
    """Point the app's ANSI colour filter at ``theme``, as choosing a theme does."""
    app._refresh_truecolor_filter(theme)


def own_bindings(node: DOMNode) -> Iterator[Binding]:
    """The bindings ``node`` declares itself (not those it inherits from its ancestors)."""
    for _key, binding in node._bindings:
        yield binding


# -- text fields ---------------------------------------------------------------------------


class InputCells(Input):
    """An ``Input`` that first asks :meth:`plain_cells` where a position's cell is, and
    whose value, when it changes, lays out nothing but the field."""

    def plain_cells(self, position: int) -> int | None:
        """The cell of ``position`` when it is known without measuring, else None."""
        return None

    def _watch_value(self, value: str) -> None:
        # Input keeps its virtual size (the value's width, which its scrolling is bounded
        # by) in Widget's reactive, whose every change lays out the whole screen: at each
        # key, a frame of its own before the results of the key. A field whose size is set
        # by its styles, with no room for a horizontal scrollbar, moves nothing else when
        # its value widens: its virtual size is set and its scrolling bounded again, as a
        # layout would do it, and it is drawn again.
        styles = self.styles
        if not styles.auto_dimensions and not styles.scrollbar_size_horizontal:
            size = Size(self.content_width, 1)
            if size != self.virtual_size:
                self.set_reactive(Widget.virtual_size, size)
                self._scroll_update(size)
                self.refresh()
        super()._watch_value(value)

    def _position_to_cell(self, position: int) -> int:
        cells = self.plain_cells(position)
        return super()._position_to_cell(position) if cells is None else cells


def input_look(field: Input) -> tuple[bool, bool]:
    """Whether ``field`` shows a suggestion, and whether its cursor is in its visible phase."""
    return bool(field._suggestion), bool(field._cursor_visible)


def restart_blink(field: Input | TextArea) -> None:
    """Show the cursor and start its blink again, as a key does."""
    field._restart_blink()


def type_into(area: TextArea, text: str) -> None:
    """Insert ``text`` over the selection as typing inserts it (undo, read-only, cursor)."""
    area._replace_via_keyboard(text, *area.selection)


def priority_keys(app: App[Any]) -> set[str]:
    """The keys a priority binding of the top screen's chain (keymap applied) may take,
    which Textual looks up before it hands a key to the focused widget."""
    return {
        key
        for _node, bindings in app.screen._binding_chain
        for key, found in bindings.key_to_bindings.items()
        if any(binding.priority for binding in found)
    }


def keys_read(app: App[Any]) -> None:
    """What Textual does on reading a key before it routes it: the app has the focus, and
    a tooltip shown goes."""
    if not app.app_focus:
        app.app_focus = True
    if app.focused is not None:
        app.screen._clear_tooltip()


def own_key_bindings(widget: Widget) -> BindingsMap | None:
    """``widget``'s own bindings as Textual checks them (keymap applied), when it is the
    focused widget at the head of its screen's binding chain; else None."""
    chain = widget.screen._binding_chain
    if not chain or chain[0][0] is not widget:
        return None
    return chain[0][1]


# -- the terminal driver -------------------------------------------------------------------


def driver_output(driver: LinuxDriver) -> Any:
    """The file the driver's output thread writes to."""
    return driver._file


def replace_driver_output(driver: LinuxDriver, output: Any) -> None:
    """Have the driver's output thread, when it starts, write to ``output``."""
    driver._file = output


def driver_app(driver: Driver) -> App[Any]:
    """The app ``driver`` serves."""
    return driver._app


def input_parser(driver: Driver) -> XTermParser:
    """A parser of terminal input, made as Textual's drivers make theirs."""
    return XTermParser(driver._debug)


# -- tables (QuickCellTable is in ``quick_table``) ----------------------------------------


def measuring(table: DataTable[Any]) -> bool:
    """Whether ``table`` still has rows or cells to measure (it does so when next idle)."""
    return bool(table._require_update_dimensions or table._updated_cells)
