"""``Model.load(fields, data)``, Odoo's import API, through the unmodified odoorpc client.

One call creates headers, their one2many lines and the external ids of both, atomically:
any error message means nothing of the call persists (odoo/models.py ``load``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import odoorpc
import pytest

from connector.sandbox.common import FaultKind, FaultRule
from connector.sandbox.odoo import OdooDatabase, OdooSandbox
from connector.sandbox.odoo.field_types import FieldSpec
from connector.sandbox.odoo.import_convert import Converter
from tests.sandbox.odoo.conftest import rpc_error_name

SUB = "sale.subscription"
LINES = "sale_subscription_line_ids"
FIELDS = [
    "id",
    "partner_id/.id",
    "template_id/.id",
    "pricelist_id/.id",
    "description",
    f"{LINES}/id",
    f"{LINES}/product_id/.id",
    f"{LINES}/product_uom_qty",
    f"{LINES}/price_unit",
]


@pytest.fixture
def refs(odoo: Any) -> dict[str, str]:
    """Database ids (as load cells) of what a subscription row references."""
    products = odoo.env["product.product"]
    return {
        "partner": str(odoo.env["res.partner"].create({"name": "Subscriber"})),
        "template": str(odoo.env.ref("sandbox.template_monthly").id),
        "pricelist": str(odoo.env.ref("sandbox.pricelist_eur").id),
        "seat": str(products.create({"name": "Seat", "default_code": "SEAT"})),
        "desk": str(products.create({"name": "Desk", "default_code": "DESK"})),
    }


def rows(refs: dict[str, str], key: str, *lines: tuple[str, str, str]) -> list[list[str]]:
    """One subscription ``t.<key>``: its header row, then one row per further line."""
    header = [f"t.{key}", refs["partner"], refs["template"], refs["pricelist"], key]
    out: list[list[str]] = []
    for n, (product, qty, price) in enumerate(lines):
        cells = header if n == 0 else [""] * len(header)
        out.append([*cells, f"t.{key}_l{n + 1}", refs[product], qty, price])
    return out


def load(odoo: Any, model: str, fields: list[str], data: list[list[str]], **ctx: Any) -> Any:
    return odoo.execute_kw(model, "load", [fields, data], {"context": ctx} if ctx else {})


def xmlids(odoo: Any, module: str = "t") -> dict[str, tuple[str, int]]:
    rows = odoo.execute_kw(
        "ir.model.data",
        "search_read",
        [[("module", "=", module)]],
        {"fields": ["name", "model", "res_id"]},
    )
    return {row["name"]: (row["model"], row["res_id"]) for row in rows}


def test_headers_lines_and_external_ids_in_one_call(odoo: Any, refs: dict[str, str]) -> None:
    data = [
        *rows(refs, "s1", ("seat", "2", "9.5"), ("desk", "1", "100")),
        *rows(refs, "s2", ("seat", "1.5", "9.5")),
    ]
    result = load(odoo, SUB, FIELDS, data)
    assert result == {"ids": [1, 2], "messages": [], "nextrow": 0}
    lines = odoo.execute_kw(
        "sale.subscription.line",
        "search_read",
        [[]],
        {"fields": ["sale_subscription_id", "product_uom_qty", "price_unit"], "order": "id"},
    )
    assert [
        (r["sale_subscription_id"][0], r["product_uom_qty"], r["price_unit"]) for r in lines
    ] == [
        (1, 2.0, 9.5),
        (1, 1.0, 100.0),
        (2, 1.5, 9.5),
    ]
    line_ids = [r["id"] for r in lines]
    assert xmlids(odoo) == {
        "s1": (SUB, 1),
        "s2": (SUB, 2),
        "s1_l1": ("sale.subscription.line", line_ids[0]),
        "s1_l2": ("sale.subscription.line", line_ids[1]),
        "s2_l1": ("sale.subscription.line", line_ids[2]),
    }
    totals = odoo.execute_kw(SUB, "read", [[1]], {"fields": ["recurring_total", "description"]})
    assert (totals[0]["recurring_total"], totals[0]["description"]) == (119.0, "s1")


def test_one_bad_record_rolls_back_the_whole_call(
    odoo: Any, refs: dict[str, str], sandbox: OdooSandbox
) -> None:
    before = sandbox.counts()
    data = [
        *rows(refs, "s1", ("seat", "2", "9.5")),
        *rows(refs, "s2", ("seat", "many", "9.5"), ("desk", "1", "1")),
        *rows(refs, "s3", ("seat", "1", "1")),
    ]
    result = load(odoo, SUB, FIELDS, data)
    assert result["ids"] is False
    assert result["messages"] == [
        {
            "rows": {"from": 1, "to": 2},
            "type": "error",
            "record": 1,
            "field": LINES,
            "message": "'many' does not seem to be a number for field "
            "'Subscription Lines/Quantity'",
        }
    ]
    after = sandbox.counts()
    assert after == before  # no header, no line, no external id
    assert xmlids(odoo) == {}
    with pytest.raises(odoorpc.error.RPCError):
        odoo.env.ref("t.s1")


def test_a_missing_create_right_is_an_access_error_per_record(
    odoo: Any, refs: dict[str, str], sandbox: OdooSandbox
) -> None:
    """missing_access_right: every record gets Odoo 17's AccessError text; nothing lands."""
    sandbox.injector.add_rule(
        FaultRule(kind=FaultKind.MISSING_ACCESS_RIGHT, path_prefix=f"/jsonrpc/object/{SUB}/")
    )
    before = sandbox.counts()
    data = [*rows(refs, "s1", ("seat", "1", "1")), *rows(refs, "s2", ("seat", "1", "1"))]
    result = load(odoo, SUB, FIELDS, data)
    assert result["ids"] is False
    errors = [m for m in result["messages"] if m["type"] == "error"]
    assert sorted({m["record"] for m in errors}) == [0, 1]
    description = sandbox.database.spec(SUB).description
    assert {m["message"] for m in errors} == {
        f"You are not allowed to create '{description}' ({SUB}) records.\n\n"
        "This operation is allowed for the following groups:\n"
        "\t- Sales / User: Own Documents Only\n\n"
        "Contact your administrator to request access if necessary."
    }
    assert sandbox.counts() == before


def test_conversion_errors_name_record_rows_and_field(odoo: Any, refs: dict[str, str]) -> None:
    fields = ["id", "name", "customer_rank", "is_company", "lang", "country_id/.id"]
    data = [
        ["t.p1", "A", "x", "1", "en_US", ""],
        ["t.p2", "B", "1", "maybe", "English (US)", "999999"],
        ["t.p3", "C", "2", "no", "klingon", ""],
    ]
    result = load(odoo, "res.partner", fields, data)
    assert result["ids"] is False
    summary = [
        (m["type"], m["record"], m["rows"], m["field"], m["message"]) for m in result["messages"]
    ]
    assert summary == [
        ("error", 0, {"from": 0, "to": 0}, "customer_rank",
         "'x' does not seem to be an integer for field 'Customer Rank'"),
        ("error", 1, {"from": 1, "to": 1}, "is_company",
         "Unknown value 'maybe' for boolean field 'Is a Company'"),
        ("error", 1, {"from": 1, "to": 1}, "country_id",
         "No matching record found for database id '999999' in field 'Country'"),
        ("error", 2, {"from": 2, "to": 2}, "lang",
         "Value 'klingon' not found in selection field 'Language'"),
    ]  # fmt: skip
    by_field = {m["field"]: m for m in result["messages"]}
    assert by_field["is_company"]["moreinfo"] == "Use '1' for yes and '0' for no"
    assert by_field["country_id"]["field_name"] == "Country"
    assert by_field["country_id"]["moreinfo"]["res_model"] == "ir.model.data"


def test_values_are_read_from_strings(odoo: Any) -> None:
    """Selections match by value or label; booleans by word; an empty cell is False."""
    fields = ["id", "name", "customer_rank", "is_company", "lang", "country_id/id", "email"]
    data = [["t.p1", "A", "3", "Yes", "English (US)", "base.fr", ""]]
    result = load(odoo, "res.partner", fields, data)
    assert result["messages"] == []
    (row,) = odoo.env["res.partner"].read(result["ids"], [*fields[2:5], "country_id", "email"])
    assert (row["customer_rank"], row["is_company"], row["lang"]) == (3, True, "en_US")
    assert row["country_id"][0] == odoo.env.ref("base.fr").id
    assert row["email"] is False


def test_an_empty_cell_sets_false_instead_of_the_default(odoo: Any) -> None:
    """ir_fields.py for_model(): an empty cell converts to False, it is not left out."""
    result = load(odoo, "product.template", ["name", "list_price"], [["Free", ""], ["Paid", "5"]])
    prices = [
        r["list_price"] for r in odoo.env["product.template"].read(result["ids"], ["list_price"])
    ]
    assert prices == [0.0, 5.0]  # not the field's default of 1.0


def test_missing_required_value_is_postgresql_s_error_as_a_message(
    odoo: Any, refs: dict[str, str]
) -> None:
    data = rows(refs, "s1", ("seat", "1", "1"))
    data[0][3] = ""  # no pricelist
    result = load(odoo, SUB, FIELDS, data)
    assert result["ids"] is False
    assert result["messages"] == [
        {
            "rows": {"from": 0, "to": 0},
            "record": 0,
            "type": "error",
            "message": "Missing required value for the field 'Pricelist' (pricelist_id)",
            "field": "pricelist_id",
        }
    ]


def test_existing_external_ids_update_their_records_and_lines(
    odoo: Any, refs: dict[str, str]
) -> None:
    first = load(odoo, SUB, FIELDS, rows(refs, "s1", ("seat", "1", "9")))
    (line_id,) = odoo.execute_kw("sale.subscription.line", "search", [[]])
    again = rows(refs, "s1", ("seat", "4", "9"), ("desk", "1", "50"))
    again[0][4] = "changed"
    second = load(odoo, SUB, FIELDS, again)
    assert second["ids"] == first["ids"]  # written, not created again
    (header,) = odoo.execute_kw(SUB, "read", [first["ids"]], {"fields": ["description", LINES]})
    assert header["description"] == "changed"
    assert header[LINES][0] == line_id  # the line with a known external id, updated in place
    qty = odoo.execute_kw(
        "sale.subscription.line", "read", [[line_id]], {"fields": ["product_uom_qty"]}
    )
    assert qty[0]["product_uom_qty"] == 4.0
    assert len(header[LINES]) == 2
    assert set(xmlids(odoo)) == {"s1", "s1_l1", "s1_l2"}


def test_external_ids_left_by_deleted_records_are_taken_over(
    odoo: Any, refs: dict[str, str], sandbox: OdooSandbox
) -> None:
    """A header deleted behind the ORM leaves its and its lines' external ids behind."""
    (header,) = load(odoo, SUB, FIELDS, rows(refs, "s1", ("seat", "1", "9")))["ids"]
    (line,) = odoo.execute_kw("sale.subscription.line", "search", [[]])
    with sandbox.database.lock:
        sandbox.database.tables[SUB].remove(header)
        sandbox.database.tables["sale.subscription.line"].remove(line)
    result = load(odoo, SUB, FIELDS, rows(refs, "s1", ("seat", "1", "9")))
    assert result["messages"] == []
    (new_header,) = result["ids"]
    (new_line,) = odoo.execute_kw("sale.subscription.line", "search", [[]])
    assert new_header != header
    assert xmlids(odoo) == {"s1": (SUB, new_header), "s1_l1": ("sale.subscription.line", new_line)}


def test_model_create_rules_run_for_loaded_records(odoo: Any, refs: dict[str, str]) -> None:
    """subscription_oca's create() moves the stage to 'Ready to start' given both dates."""
    fields = [*FIELDS[:5], "stage_id/id", "date_start", "recurring_next_date"]
    header = rows(refs, "s1", ("seat", "1", "9"))[0][:5]
    in_progress = "subscription_oca.subscription_stage_in_progress"
    data = [[*header, in_progress, "2026-03-01", "2026-02-01"]]
    result = load(odoo, SUB, fields, data)
    (row,) = odoo.execute_kw(SUB, "read", [result["ids"]], {"fields": ["stage_id", "date_start"]})
    assert (row["stage_id"][1], row["date_start"]) == ("Ready to start", "2026-02-01")


def test_a_batch_refused_by_a_user_error_echoes_it_on_the_first_record(
    odoo: Any, refs: dict[str, str]
) -> None:
    """load() retries a refused batch record by record, then puts the batch's error first,
    attributed to the batch's first record (odoo/models.py, ``global_error_message``)."""
    partner = odoo.env["res.partner"].create({"name": "Taken"})
    odoo.env["ir.model.data"].create(
        {"module": "t", "name": "s2", "model": "res.partner", "res_id": partner}
    )
    data = [*rows(refs, "s1", ("seat", "1", "9")), *rows(refs, "s2", ("seat", "1", "9"))]
    data += rows(refs, "s3", ("seat", "1", "9"))
    result = load(odoo, SUB, FIELDS, data)
    assert result["ids"] is False
    wrong_model = (
        "For external id t.s2 when trying to create/update a record of model sale.subscription "
        "found record of different model res.partner"
    )
    assert [(m["record"], m["message"].startswith(wrong_model)) for m in result["messages"]] == [
        (0, True),  # the echo: record 0 itself loaded fine
        (1, True),
    ]


def test_injected_rejection_fails_one_record_inside_the_call(
    odoo: Any, refs: dict[str, str], sandbox: OdooSandbox
) -> None:
    """A reject_record fault on load acts like a constraint: a message, not an RPC error."""
    sandbox.injector.add_rule(
        FaultRule(
            kind=FaultKind.REJECT_RECORD,
            path_prefix=f"/jsonrpc/object/{SUB}/load",
            message="Invalid subscription",
            count=2,  # the batch attempt, then that first record alone
        )
    )
    data = [*rows(refs, "s1", ("seat", "1", "9")), *rows(refs, "s2", ("seat", "1", "9"))]
    result = load(odoo, SUB, FIELDS, data)
    assert result["ids"] is False
    assert [(m["record"], m["message"]) for m in result["messages"]] == [
        (0, "Invalid subscription")
    ]
    assert load(odoo, SUB, FIELDS, data[1:])["ids"] == [2]  # ids are never reused


def test_archived_references_need_active_test_off(odoo: Any, refs: dict[str, str]) -> None:
    """``/.id`` references are checked with search(), which skips archived records."""
    odoo.env["res.partner"].write([int(refs["partner"])], {"active": False})
    data = rows(refs, "s1", ("seat", "1", "9"))
    refused = load(odoo, SUB, FIELDS, data)
    # The record is still tried without the field, which then misses its NOT NULL too.
    assert [m["message"] for m in refused["messages"]] == [
        f"No matching record found for database id '{refs['partner']}' in field 'Partner'",
        "Missing required value for the field 'Partner' (partner_id)",
    ]
    assert load(odoo, SUB, FIELDS, data, active_test=False)["messages"] == []


def test_unknown_column_is_an_rpc_error(odoo: Any) -> None:
    """Odoo 17 answers an unknown column with a KeyError naming it."""
    with pytest.raises(odoorpc.error.RPCError, match="'nope'") as caught:
        load(odoo, "res.partner", ["name", "nope"], [["A", "x"]])
    assert rpc_error_name(caught.value) == "builtins.KeyError"


def test_external_ids_without_module_use_the_context_module(odoo: Any) -> None:
    result = load(odoo, "res.partner", ["id", "name"], [["p1", "A"]], module="mine", noupdate=True)
    found = odoo.execute_kw(
        "ir.model.data",
        "search_read",
        [[("module", "=", "mine")]],
        {"fields": ["name", "noupdate"]},
    )
    assert [(r["name"], r["noupdate"]) for r in found] == [("p1", True)]
    assert odoo.env.ref("mine.p1").id == result["ids"][0]


def test_datetimes_are_read_in_the_context_or_user_time_zone(sandbox: OdooSandbox) -> None:
    """ir_fields.py _str_to_datetime: naive cells are local time (context tz, else user's)."""
    field = FieldSpec("when", "datetime", "When")
    spec = sandbox.database.spec("res.partner")

    def convert(context: dict[str, Any]) -> Any:
        converter = Converter(sandbox.database, "t", context, lambda xml_id, model: None)
        return converter.field(spec, field, "2026-07-01 12:00:00")[0]

    assert convert({"tz": "UTC"}) == "2026-07-01 12:00:00"
    assert convert({}) == "2026-07-01 10:00:00"  # the admin user's Europe/Brussels, summer
    assert dt.datetime.fromisoformat(convert({"tz": "America/New_York"})).hour == 16


def test_savepoints_undo_rows_and_external_ids_inside_a_transaction(sandbox: OdooSandbox) -> None:
    db = sandbox.database
    with db.lock, db.transaction():
        kept = db.create_one("res.partner", {"name": "kept"}, 2)
        with db.savepoint() as outer:
            gone = db.create_one("res.partner", {"name": "gone"}, 2)
            db.set_xmlid("t.gone", "res.partner", gone)
            with pytest.raises(Boom):
                _rename_then_fail(db, kept)
            assert db.rows("res.partner")[kept]["name"] == "kept"
            outer.rollback()
        assert gone not in db.rows("res.partner")
        assert db.xmlid_row("t", "gone") is None
        assert kept in db.rows("res.partner")


class Boom(Exception):
    """Anything raised inside a savepoint."""


def _rename_then_fail(db: OdooDatabase, partner: int) -> None:
    with db.savepoint():
        db.write("res.partner", [partner], {"name": "renamed"}, 2)
        raise Boom
