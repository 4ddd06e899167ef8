"""The import dialogs at 80x24: site names mapped to codes before numbers come in, and
sites and port orders previewed line by line, nothing written until accepted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select

from golive_tui.tui.app import GoLiveApp
from golive_tui.tui.screens.number_import import NumberImportScreen
from golive_tui.tui.screens.record_import import RecordImportScreen
from golive_tui.tui.screens.site_map import SiteMapScreen
from golive_tui.tui.widgets.reason_dialog import ReasonDialog

from .conftest import until, wait_ready
from .test_command_palette import _listed
from .test_porting import _import_path, open_porting


def _summary(app: GoLiveApp) -> str:
    return str(app.screen.query_one("#import-summary").render())


def _rows(app: GoLiveApp) -> list[list[str]]:
    grid = app.screen.query_one("#import-preview", DataTable)
    return [[str(cell) for cell in grid.get_row_at(i)] for i in range(grid.row_count)]


async def test_site_names_are_confirmed_in_a_mapping_step_before_numbers_come_in(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    listing = tmp_path / "numbers.csv"
    listing.write_text("Number,Site\n"
                       "tel:+1-970-555-0170,Denver HQ\n"
                       "970-555-0171,denver\n"
                       "+44 20 7946 0958,DEN\n"
                       "888-555-0150,DEN\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_porting(pilot)
        store = app.store
        assert store is not None
        before = store.existing_numbers()
        await _import_path(pilot, str(listing))
        summary = _summary(app)
        assert "3 numbers ready" in summary
        assert "held for review" in summary and "toll-free" in summary
        assert "Site names to confirm" in summary
        outcomes = {row[0]: row[1] for row in _rows(app)}
        assert outcomes["4"] == "review" and outcomes["5"] == "toll-free"

        await pilot.press("ctrl+s")  # the proposed codes are confirmed first
        await until(pilot, lambda: isinstance(app.screen, SiteMapScreen))
        picked = [app.screen.query_one(f"#site-map-{i}", Select).value for i in range(3)]
        assert picked == ["DEN", "DEN", "DEN"]
        assert store.existing_numbers() == before  # nothing until accepted
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, NumberImportScreen))
        assert "Ctrl+S imports the 3 valid numbers" in _summary(app)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: store.existing_numbers() - before == {
            "+19705550170", "+19705550171", "+18885550150"}, "the import to be written")
        den = next(site.id for site in store.sites() if site.code == "DEN")
        number = store.number_by_e164("+19705550171")
        assert number is not None and number.site_id == den
        toll_free = store.number_by_e164("+18885550150")
        assert toll_free is not None and toll_free.number_type == "toll_free"
        assert "+442079460958" not in store.existing_numbers()


async def _palette_import(pilot: Pilot[None], command: str, path: Path) -> None:
    app = pilot.app
    assert isinstance(app, GoLiveApp)
    await pilot.press("ctrl+p")
    await pilot.press(*command)
    await until(pilot, lambda: command.lower() in " ".join(_listed(app)).lower())
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReasonDialog))
    app.screen.query_one("#reason-input", Input).value = str(path)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, RecordImportScreen)
                and "Reading" not in _summary(app), "the preview")


async def test_sites_from_the_palette_are_previewed_then_written_on_accept(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text("Site Code,Site Name,Address,Time Zone\n"
                     "BOS,Back Bay Clinic,1 Boylston St,America/New_York\n"
                     "SEA,Seattle Clinic,2 Pike St,Mars/Olympus\n"
                     "DEN,Denver again,,\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        store = app.store
        assert store is not None
        await _palette_import(pilot, "Import sites", sites)
        assert _summary(app).startswith("1 site ready; 1 row with errors (line 3)")
        rows = {row[0]: row for row in _rows(app)}
        assert rows["3"][1] == "error" and "not a time zone" in rows["3"][3]
        assert rows["4"][1] == "present"
        assert "BOS" not in {site.code for site in store.sites()}
        await pilot.press("ctrl+s")
        await until(pilot, lambda: "BOS" in {site.code for site in store.sites()},
                    "the site to be written")
        assert "SEA" not in {site.code for site in store.sites()}


async def test_orders_with_a_pin_of_letters_or_a_past_foc_are_shown_and_not_written(
    make_app: Callable[..., GoLiveApp], tmp_path: Path
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("PON,Losing Carrier,PIN,Requested FOC\n"
                      "SEA-1,Verizon Business,12ab,2099-03-15\n"
                      "SEA-2,Comcast Business,,2020-01-06\n", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        store = app.store
        assert store is not None
        count = len(store.orders())
        await _palette_import(pilot, "Import port orders", orders)
        assert _summary(app).startswith("0 orders ready; 2 rows with errors (lines 2, 3)")
        rows = _rows(app)
        assert rows[0][2] == "(hidden)" and "digits only" in rows[0][3]
        assert "12ab" not in " ".join(" ".join(row) for row in rows)
        assert "in the past" in rows[1][3]
        await pilot.press("ctrl+s")  # nothing valid: a notice, and the dialog stays
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, RecordImportScreen))
        assert len(store.orders()) == count


async def test_a_checklist_item_is_added_from_a_form_and_a_key_in_use_is_said_in_place(
    make_app: Callable[..., GoLiveApp],
) -> None:
    from textual.widgets import Input, SelectionList, Static

    from golive_tui.tui.screens.checklist import ChecklistScreen
    from golive_tui.tui.widgets.forms import RecordForm

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_ready(pilot)
        await app.switch_mode("checklist")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen)
                    and app.screen.data is not None, "the checklist")
        store = app.store
        assert store is not None
        count = len(store.checklist())
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, RecordForm))
        form = app.screen
        form.query_one("#field-key", Input).value = "GL-01"
        form.query_one("#field-title", Input).value = "Paging zones tested at every site"
        form.query_one("#field-due_at", Input).value = "2099-03-15 17:00"
        waits = form.query_one("#field-predecessors", SelectionList)
        gl01 = next(item for item in store.checklist() if item.key == "GL-01")
        waits.select(gl01.id)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)  # the form stays, with what was typed
        error = str(form.query_one("#record-form-error", Static).render())
        assert "GL-01 is already the key of" in error
        form.query_one("#field-key", Input).value = "GL-20"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: len(store.checklist()) == count + 1, "the new item")
        added = next(item for item in store.checklist() if item.key == "GL-20")
        assert added.title == "Paging zones tested at every site"
        assert added.status == "todo" and added.predecessors == [gl01.id]
        assert added.due_at is not None and added.due_at.year == 2099
