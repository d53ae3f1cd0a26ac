"""OCA subscription_oca 17.0 behaviour, quirks included."""

from __future__ import annotations

from typing import Any

import odoorpc
import pytest

from connector.sandbox.odoo import OdooSandbox
from tests.sandbox.odoo.conftest import rpc_error_name


@pytest.fixture
def refs(odoo: Any) -> dict[str, int]:
    partner = odoo.env["res.partner"].create({"name": "Subscriber"})
    product = odoo.env["product.product"].create(
        {"name": "Seat", "type": "service", "list_price": 10.0, "default_code": "SEAT"}
    )
    return {
        "partner": partner,
        "product": product,
        "template": odoo.env.ref("sandbox.template_monthly").id,
        "pricelist": odoo.env.ref("sandbox.pricelist_eur").id,
        "tax20": odoo.env.ref("sandbox.tax_sale_20").id,
    }


def _subscription(odoo: Any, refs: dict[str, int], **extra: Any) -> int:
    vals = {"partner_id": refs["partner"], "template_id": refs["template"],
            "pricelist_id": refs["pricelist"], **extra}  # fmt: skip
    new_id: int = odoo.env["sale.subscription"].create(vals)
    return new_id


def _line(refs: dict[str, int], **vals: Any) -> tuple[int, int, dict[str, Any]]:
    return (0, 0, {"product_id": refs["product"], **vals})


def test_missing_pricelist_is_mandatory_field_error(odoo: Any, refs: dict[str, int]) -> None:
    """Creating without pricelist_id fails with Odoo's mandatory-field ValidationError."""
    with pytest.raises(odoorpc.error.RPCError) as caught:
        odoo.env["sale.subscription"].create(
            {"partner_id": refs["partner"], "template_id": refs["template"]}
        )
    assert rpc_error_name(caught.value) == "odoo.exceptions.ValidationError"
    message = str(caught.value)
    assert message.startswith("The operation cannot be completed:\n- Create/update: a mandatory")
    assert "Model: Subscription (sale.subscription)\nField: Pricelist (pricelist_id)" in message


def test_sequence_gap_after_failed_create(odoo: Any, refs: dict[str, int]) -> None:
    """A failed create still consumes a SUB number, so codes have gaps."""
    first = _subscription(odoo, refs)
    with pytest.raises(odoorpc.error.RPCError):
        odoo.env["sale.subscription"].create({"partner_id": refs["partner"]})
    second = _subscription(odoo, refs)
    codes = [r["code"] for r in odoo.env["sale.subscription"].read([first, second], ["code"])]
    assert codes == ["SUB00001", "SUB00003"]


def test_name_from_template_code_and_code(odoo: Any, refs: dict[str, int]) -> None:
    """name is template code + '/' + code; currency follows the pricelist."""
    sub_id = _subscription(odoo, refs)
    (row,) = odoo.env["sale.subscription"].read([sub_id], ["name", "currency_id", "in_progress"])
    assert row["name"] == "MON/SUB00001"
    assert row["currency_id"][1] == "EUR"
    assert row["in_progress"] is False


def test_lines_compute_totals(odoo: Any, refs: dict[str, int]) -> None:
    """Lines created through the header compute price, taxes and header totals."""
    sub_id = _subscription(odoo, refs, sale_subscription_line_ids=[
        _line(refs, product_uom_qty=3, tax_ids=[(6, 0, [refs["tax20"]])])])  # fmt: skip
    (sub,) = odoo.env["sale.subscription"].read(
        [sub_id], ["recurring_total", "amount_tax", "amount_total", "sale_subscription_line_ids"]
    )
    assert (sub["recurring_total"], sub["amount_tax"], sub["amount_total"]) == (30.0, 6.0, 36.0)
    (line,) = odoo.env["sale.subscription.line"].read(sub["sale_subscription_line_ids"])
    assert line["name"] == "[SEAT] Seat"
    assert line["price_unit"] == 10.0
    assert (line["price_subtotal"], line["price_total"]) == (30.0, 36.0)


def test_quantity_write_resets_discount(odoo: Any, refs: dict[str, int]) -> None:
    """Writing product_uom_qty alone on a line recomputes its discount to 0."""
    sub_id = _subscription(odoo, refs, sale_subscription_line_ids=[_line(refs, discount=10.0)])
    lines = odoo.env["sale.subscription.line"]
    line_id = lines.search([("sale_subscription_id", "=", sub_id)])[0]
    assert lines.read([line_id], ["discount"])[0]["discount"] == 10.0
    lines.write([line_id], {"product_uom_qty": 4})
    assert lines.read([line_id], ["discount"])[0]["discount"] == 0.0
    lines.write([line_id], {"product_uom_qty": 5, "discount": 5.0})
    assert lines.read([line_id], ["discount"])[0]["discount"] == 5.0


def test_header_totals_stale_until_written_through_header(odoo: Any, refs: dict[str, int]) -> None:
    """A direct line write leaves header totals stale; a write via the header refreshes."""
    subs, lines = odoo.env["sale.subscription"], odoo.env["sale.subscription.line"]
    sub_id = _subscription(odoo, refs, sale_subscription_line_ids=[_line(refs)])
    line_id = lines.search([("sale_subscription_id", "=", sub_id)])[0]
    lines.write([line_id], {"price_unit": 50.0})
    assert lines.read([line_id], ["price_subtotal"])[0]["price_subtotal"] == 50.0
    assert subs.read([sub_id], ["recurring_total"])[0]["recurring_total"] == 10.0
    subs.write([sub_id], {"sale_subscription_line_ids": [(1, line_id, {"price_unit": 50.0})]})
    assert subs.read([sub_id], ["recurring_total"])[0]["recurring_total"] == 50.0


def test_x2many_commands_do_not_duplicate_lines(odoo: Any, refs: dict[str, int]) -> None:
    """(1,id,vals), (4,id), (6,0,ids), (2,id) and (5,) keep the line set exact."""
    subs, lines = odoo.env["sale.subscription"], odoo.env["sale.subscription.line"]
    sub_id = _subscription(odoo, refs, sale_subscription_line_ids=[_line(refs), _line(refs)])

    def line_ids() -> list[int]:
        ids: list[int] = subs.read([sub_id], ["sale_subscription_line_ids"])[0][
            "sale_subscription_line_ids"
        ]
        return ids

    first, second = line_ids()
    subs.write([sub_id], {"sale_subscription_line_ids": [(1, first, {"product_uom_qty": 2}),
                                                         (4, first)]})  # fmt: skip
    assert line_ids() == [first, second]
    subs.write([sub_id], {"sale_subscription_line_ids": [(6, 0, [first])]})
    assert line_ids() == [first]
    assert lines.read([second], ["sale_subscription_id"])[0]["sale_subscription_id"] is False
    subs.write([sub_id], {"sale_subscription_line_ids": [(2, first), _line(refs)]})
    (third,) = line_ids()
    assert third not in (first, second)
    assert lines.read([first], ["name"]) == []
    subs.write([sub_id], {"sale_subscription_line_ids": [(5,)]})
    assert line_ids() == []


def test_tax_ids_many2many_commands(odoo: Any, refs: dict[str, int]) -> None:
    """Many2many (4,id), (3,id) and (6,0,ids) on a line's taxes."""
    lines = odoo.env["sale.subscription.line"]
    sub_id = _subscription(odoo, refs, sale_subscription_line_ids=[_line(refs)])
    line_id = lines.search([("sale_subscription_id", "=", sub_id)])[0]
    tax15 = odoo.env.ref("account.1_sale_tax_template").id
    # The line starts with its product's taxes: the company's default sales tax (15 %).
    assert lines.read([line_id], ["tax_ids"])[0]["tax_ids"] == [tax15]
    lines.write([line_id], {"tax_ids": [(4, refs["tax20"]), (4, tax15), (4, tax15)]})
    assert lines.read([line_id], ["tax_ids"])[0]["tax_ids"] == [tax15, refs["tax20"]]
    lines.write([line_id], {"tax_ids": [(3, refs["tax20"])]})
    assert lines.read([line_id], ["tax_ids"])[0]["tax_ids"] == [tax15]
    lines.write([line_id], {"tax_ids": [(6, 0, [])]})
    assert lines.read([line_id], ["tax_ids"])[0]["tax_ids"] == []


def test_both_dates_set_ready_to_start_stage(odoo: Any, refs: dict[str, int]) -> None:
    """Giving date_start and recurring_next_date puts the subscription in the 'pre' stage."""
    sub_id = _subscription(odoo, refs, date_start="2026-03-10", recurring_next_date="2026-03-01")
    (row,) = odoo.env["sale.subscription"].read([sub_id], ["stage_id", "date_start"])
    assert row["stage_id"][1] == "Ready to start"
    assert row["date_start"] == "2026-03-01"
    assert (
        odoo.env["sale.subscription"].read([_subscription(odoo, refs)], ["stage_id"])[0]["stage_id"]
        is False
    )


def test_stage_writes_drive_in_progress_and_close_reason(odoo: Any, refs: dict[str, int]) -> None:
    """An in_progress stage sets in_progress; a post stage clears close_reason_id."""
    subs = odoo.env["sale.subscription"]
    sub_id = _subscription(odoo, refs)
    subs.write(
        [sub_id], {"stage_id": odoo.env.ref("subscription_oca.subscription_stage_in_progress").id}
    )
    assert subs.read([sub_id], ["in_progress"])[0]["in_progress"] is True
    reason = odoo.env.ref("subscription_oca.close_reason_other").id
    closed = odoo.env.ref("subscription_oca.subscription_stage_closed").id
    subs.write([sub_id], {"stage_id": closed, "close_reason_id": reason})
    (row,) = subs.read([sub_id], ["in_progress", "close_reason_id"])
    assert row["in_progress"] is False
    assert row["close_reason_id"] is False


def test_no_paused_stage_exists(odoo: Any) -> None:
    """Only pre / in_progress / post stages exist; there is no built-in paused stage."""
    stages = odoo.env["sale.subscription.stage"].search_read([], ["type"])
    assert sorted(s["type"] for s in stages) == ["in_progress", "post", "pre"]


def test_written_total_sticks_until_recomputed(odoo: Any, refs: dict[str, int]) -> None:
    """A client-written stored total is kept (Odoo protects it) until lines change."""
    subs = odoo.env["sale.subscription"]
    sub_id = _subscription(odoo, refs, sale_subscription_line_ids=[_line(refs)])
    subs.write([sub_id], {"recurring_total": 999.0, "display_name": "ignored"})
    assert subs.read([sub_id], ["recurring_total"])[0]["recurring_total"] == 999.0
    subs.write([sub_id], {"sale_subscription_line_ids": [_line(refs)]})
    assert subs.read([sub_id], ["recurring_total"])[0]["recurring_total"] == 20.0


def test_lines_through_record_attributes(odoo: Any, refs: dict[str, int]) -> None:
    """odoorpc records expose lines as a recordset and accept x2many commands on assignment."""
    subscription = odoo.env["sale.subscription"].browse(_subscription(odoo, refs))
    subscription.sale_subscription_line_ids = [_line(refs, product_uom_qty=2)]
    fresh = odoo.env["sale.subscription"].browse(subscription.id)
    assert len(fresh.sale_subscription_line_ids) == 1
    assert fresh.sale_subscription_line_ids[0].product_id.default_code == "SEAT"
    assert fresh.recurring_total == 20.0


def test_date_defaults_are_server_start_date(
    odoo: Any, refs: dict[str, int], sandbox: OdooSandbox
) -> None:
    """date_start / recurring_next_date default to the day the server started (OCA quirk)."""
    sandbox.database.boot_date = "2026-01-15"
    sub_id = _subscription(odoo, refs)
    (row,) = odoo.env["sale.subscription"].read([sub_id], ["date_start", "recurring_next_date"])
    assert (row["date_start"], row["recurring_next_date"]) == ("2026-01-15", "2026-01-15")


@pytest.mark.parametrize(
    ("code", "rounding", "price", "quantity", "expected"),
    [
        ("KWD", 0.001, 10.2881, 1.0, 10.288),  # fils: three decimals kept
        ("JPY", 1.0, 333.4, 3.0, 1000.0),  # yen: 1,000.2 rounds to 1,000
    ],
)
def test_amounts_are_rounded_to_the_subscription_currency(
    odoo: Any,
    refs: dict[str, int],
    code: str,
    rounding: float,
    price: float,
    quantity: float,
    expected: float,
) -> None:
    """Line subtotals and the recurring total use the currency's rounding, not two places."""
    (currency,) = odoo.execute_kw(
        "res.currency", "search", [[("name", "=", code)]], {"context": {"active_test": False}}
    )
    odoo.execute_kw("res.currency", "write", [[currency], {"active": True, "rounding": rounding}])
    pricelist = odoo.env["product.pricelist"].create({"name": code, "currency_id": currency})
    sub_id = _subscription(
        odoo,
        {**refs, "pricelist": pricelist},
        sale_subscription_line_ids=[
            _line(refs, price_unit=price, product_uom_qty=quantity, tax_ids=[(6, 0, [])])
        ],
    )
    (row,) = odoo.env["sale.subscription"].read([sub_id], ["recurring_total"])
    assert row["recurring_total"] == expected
