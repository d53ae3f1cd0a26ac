"""write_date / create_date bookkeeping for incremental synchronisation."""

from __future__ import annotations

from typing import Any

from tests.sandbox.odoo.conftest import FakeClock


def test_write_date_drives_incremental_search(odoo: Any, clock: FakeClock) -> None:
    """Records written after a checkpoint are found by write_date > checkpoint."""
    partners = odoo.env["res.partner"]
    old, touched = partners.create([{"name": "old"}, {"name": "touched"}])
    (row,) = partners.read([old], ["create_date", "write_date"])
    assert row["create_date"] == row["write_date"]
    assert len(row["write_date"]) == 19
    clock.advance(5)
    checkpoint = clock().strftime("%Y-%m-%d %H:%M:%S")
    clock.advance(5)
    partners.write([touched], {"email": "t@example.test"})
    changed = partners.search([("write_date", ">", checkpoint)])
    assert changed == [touched]


def test_ids_increase(odoo: Any) -> None:
    """New ids are always larger than older ones, even after deletions."""
    partners = odoo.env["res.partner"]
    first = partners.create({"name": "a"})
    partners.unlink([first])
    assert partners.create({"name": "b"}) > first


def test_iso_t_separator_in_datetime_domain(odoo: Any, clock: FakeClock) -> None:
    """A checkpoint written with a 'T' separator compares like the space form."""
    partners = odoo.env["res.partner"]
    checkpoint = clock().strftime("%Y-%m-%dT%H:%M:%S")
    clock.advance(2)
    new_id = partners.create({"name": "after"})
    assert partners.search([("create_date", ">", checkpoint)]) == [new_id]
