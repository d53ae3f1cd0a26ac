"""Domain evaluation: prefix operators, comparison operators, paths, active filtering."""

from __future__ import annotations

from typing import Any

import odoorpc
import pytest

from tests.sandbox.odoo.conftest import rpc_error_name


@pytest.fixture
def partners(odoo: Any) -> Any:
    model = odoo.env["res.partner"]
    fr, de = odoo.env.ref("base.fr").id, odoo.env.ref("base.de").id
    model.create([
        {"name": "Alpha SA", "ref": "T1", "country_id": fr, "email": "a@alpha.fr"},
        {"name": "beta GmbH", "ref": "T2", "country_id": de, "customer_rank": 2},
        {"name": "Gamma", "ref": "T3", "customer_rank": 5, "vat": "FR123"},
        {"name": "Old Delta", "ref": "T4", "active": False},
    ])  # fmt: skip
    return model


def _refs(model: Any, domain: list[Any], **kwargs: Any) -> list[str]:
    rows = model.search_read([("ref", "like", "T"), *domain], ["ref"], order="ref", **kwargs)
    return [r["ref"] for r in rows]


def test_or_and_not(partners: Any) -> None:
    """'|', '&' and '!' combine leaves in prefix notation."""
    assert _refs(partners, ["|", ("ref", "=", "T1"), ("ref", "=", "T3")]) == ["T1", "T3"]
    assert _refs(partners, ["&", ("customer_rank", ">", 1), ("vat", "!=", False)]) == ["T3"]
    assert _refs(partners, ["!", ("ref", "in", ["T1", "T2"])]) == ["T3"]


def test_in_and_not_in(partners: Any) -> None:
    """'in' / 'not in' on char fields."""
    assert _refs(partners, [("ref", "in", ["T2", "T3", "T9"])]) == ["T2", "T3"]
    assert _refs(partners, [("ref", "not in", ["T2"])]) == ["T1", "T3"]


def test_like_operators(partners: Any) -> None:
    """ilike is case-insensitive, like is not, =ilike takes SQL patterns."""
    assert _refs(partners, [("name", "ilike", "BETA")]) == ["T2"]
    assert _refs(partners, [("name", "like", "BETA")]) == []
    assert _refs(partners, [("name", "=ilike", "%sa")]) == ["T1"]
    assert _refs(partners, [("email", "not ilike", "alpha")]) == ["T2", "T3"]


def test_like_patterns_escape_with_a_backslash(odoo: Any) -> None:
    """=like hands its pattern to PostgreSQL's LIKE as it is (odoo/osv/expression.py), where
    a backslash makes the next character literal: an escaped "_" is no wildcard."""
    model = odoo.env["res.partner"]
    model.create([{"name": "a_b", "ref": "U1"}, {"name": "axb", "ref": "U2"}])

    def refs(pattern: str) -> list[str]:
        rows = model.search_read([("name", "=like", pattern)], ["ref"], order="ref")
        return [r["ref"] for r in rows]

    assert refs("a_b") == ["U1", "U2"]
    assert refs("a\\_b") == ["U1"]
    assert refs("a\\_%") == ["U1"]


def test_not_equal_matches_unset_values(partners: Any) -> None:
    """'!=' also matches records where the field is unset, as in Odoo."""
    assert _refs(partners, [("vat", "!=", "FR123")]) == ["T1", "T2"]


def test_dotted_path_on_many2one(partners: Any) -> None:
    """country_id.code follows the many2one."""
    assert _refs(partners, [("country_id.code", "=", "DE")]) == ["T2"]


def test_many2one_compared_with_a_name(partners: Any) -> None:
    """A string compared to a many2one name-searches the comodel."""
    assert _refs(partners, [("country_id", "ilike", "fran")]) == ["T1"]


def test_archived_records_hidden_unless_asked(partners: Any) -> None:
    """active=False records are hidden unless the domain or context asks for them."""
    assert "T4" not in _refs(partners, [])
    assert _refs(partners, [("active", "in", [True, False])]) == ["T1", "T2", "T3", "T4"]
    rows = partners.with_context(active_test=False).search_read([("ref", "=", "T4")], ["ref"])
    assert [r["ref"] for r in rows] == ["T4"]


def test_invalid_leaf_is_value_error(partners: Any) -> None:
    """A malformed leaf raises ValueError 'Invalid leaf ...'."""
    with pytest.raises(odoorpc.error.RPCError, match="Invalid leaf") as caught:
        partners.search([("name", "bogus", "x")])
    assert rpc_error_name(caught.value) == "builtins.ValueError"


def test_unknown_field_in_domain_is_value_error(partners: Any) -> None:
    """A leaf on an unknown field raises ValueError 'Invalid field ...'."""
    with pytest.raises(odoorpc.error.RPCError, match=r"Invalid field res.partner.nope"):
        partners.search([("nope", "=", 1)])


def test_id_in_uses_index_and_keeps_order(partners: Any) -> None:
    """('id', 'in', ids) returns exactly those ids, in the model's order."""
    ids = partners.search([("ref", "like", "T")], order="id")
    found = partners.search([("id", "in", [*ids[:2], 999999])], order="id")
    assert found == ids[:2]


def test_child_of_follows_parent_id(odoo: Any) -> None:
    """child_of matches a partner and its contacts through parent_id."""
    model = odoo.env["res.partner"]
    company = model.create({"name": "Holding", "is_company": True, "ref": "H"})
    contact = model.create({"name": "Jane", "parent_id": company, "ref": "H"})
    model.create({"name": "Stranger", "ref": "H"})
    found = model.search([("ref", "=", "H"), ("id", "child_of", company)], order="id")
    assert found == [company, contact]
    assert model.read([contact], ["display_name"])[0]["display_name"] == "Holding, Jane"


def test_prefix_searches_follow_changes(odoo: Any) -> None:
    """An ``=like 'prefix%'`` is answered from the index (a btree range in Odoo's C-collated
    databases): it must see names added, renamed and removed since the last search."""
    imd = odoo.env["ir.model.data"]
    partner = odoo.env["res.partner"].create({"name": "P"})

    def names(pattern: str) -> list[str]:
        rows = imd.search_read(
            [("module", "=", "pfx"), ("name", "=like", pattern)], ["name"], order="name"
        )
        return [r["name"] for r in rows]

    made = [
        imd.create({"module": "pfx", "name": name, "model": "res.partner", "res_id": partner})
        for name in ("a_1", "a_2", "ab_1")
    ]
    assert names("a\\_%") == ["a_1", "a_2"]
    assert names("a%") == ["a_1", "a_2", "ab_1"]
    imd.write([made[2]], {"name": "a_3"})
    assert names("a\\_%") == ["a_1", "a_2", "a_3"]
    imd.unlink([made[0]])
    assert names("a\\_%") == ["a_2", "a_3"]
