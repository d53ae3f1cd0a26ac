"""Customers' tax ids (``/v1/customers/{id}/tax_ids``, ``tax_id_data[]`` on customer create).

Since API 2020-08-27 a customer's ``tax_ids`` list is an includable field: it is sent only when
asked for (``expand[]=tax_ids`` on a customer, ``customer.tax_ids`` on a subscription,
``data.customer.tax_ids`` on a list), https://docs.stripe.com/upgrades#2020-08-27.

Stripe validates each type's format; the emulator checks the formats the data sets use (EU and
UK VAT numbers) and the type's name for the others. ``verification`` is ``pending`` for the
types Stripe verifies against a government service (EU VAT through VIES, UK VAT through HMRC,
Australian ABN) and ``unavailable`` for the rest; the emulator never completes a verification.
"""

from __future__ import annotations

import re
from typing import Any

from connector.sandbox.stripe import objects
from connector.sandbox.stripe.errors import parameter_invalid, parameter_missing, resource_missing
from connector.sandbox.stripe.events import RequestInfo
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.params import check_known, get_str
from connector.sandbox.stripe.state import StripeState

Obj = dict[str, Any]

#: https://docs.stripe.com/api/tax_ids/create#create_tax_id-type
# fmt: off
TYPES = frozenset((
    "ad_nrt", "ae_trn", "al_tin", "am_tin", "ao_tin", "ar_cuit", "au_abn", "au_arn", "aw_tin",
    "az_tin", "ba_tin", "bb_tin", "bd_bin", "bf_ifu", "bg_uic", "bh_vat", "bj_ifu", "bo_tin",
    "br_cnpj", "br_cpf", "bs_tin", "by_tin", "ca_bn", "ca_gst_hst", "ca_pst_bc", "ca_pst_mb",
    "ca_pst_sk", "ca_qst", "cd_nif", "ch_uid", "ch_vat", "cl_tin", "cm_niu", "cn_tin", "co_nit",
    "cr_tin", "cv_nif", "de_stn", "do_rcn", "ec_ruc", "eg_tin", "es_cif", "et_tin", "eu_oss_vat",
    "eu_vat", "gb_vat", "ge_vat", "gn_nif", "hk_br", "hr_oib", "hu_tin", "id_npwp", "il_vat",
    "in_gst", "is_vat", "jp_cn", "jp_rn", "jp_trn", "ke_pin", "kg_tin", "kh_tin", "kr_brn",
    "kz_bin", "la_tin", "li_uid", "li_vat", "ma_vat", "md_vat", "me_pib", "mk_vat", "mr_nif",
    "mx_rfc", "my_frp", "my_itn", "my_sst", "ng_tin", "no_vat", "no_voec", "np_pan", "nz_gst",
    "om_vat", "pe_ruc", "ph_tin", "ro_tin", "rs_pib", "ru_inn", "ru_kpp", "sa_vat", "sg_gst",
    "sg_uen", "si_tin", "sn_ninea", "sr_fin", "sv_nit", "th_vat", "tj_tin", "tr_tin", "tw_vat",
    "tz_vat", "ua_vat", "ug_tin", "us_ein", "uy_ruc", "uz_tin", "uz_vat", "ve_rif", "vn_tin",
    "za_vat", "zm_tin", "zw_tin",
))
# fmt: on
VERIFIED_TYPES = frozenset({"eu_vat", "gb_vat", "au_abn"})
#: VAT number prefixes of the EU member states (Greece uses EL) and Northern Ireland (XI).
EU_VAT_PREFIXES = frozenset(
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "EL", "ES", "FI", "FR", "HR", "HU",
     "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "XI")
)  # fmt: skip
EU_VAT = re.compile(r"^([A-Z]{2})[0-9A-Z+*]{2,12}$")
GB_VAT = re.compile(r"^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$")
PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
MAX_PER_CUSTOMER = 25


def _country(tax_id_type: str, value: str) -> str | None:
    if tax_id_type == "eu_vat":
        return PREFIX_COUNTRY.get(value[:2], value[:2])
    if tax_id_type == "eu_oss_vat":
        return None
    return tax_id_type.split("_", 1)[0].upper()


def _check_value(tax_id_type: str, value: str, prefix: str) -> None:
    param = f"{prefix}[value]" if prefix else "value"
    if tax_id_type == "eu_vat":
        found = EU_VAT.match(value)
        if found is None or found.group(1) not in EU_VAT_PREFIXES:
            raise parameter_invalid(param, f"Invalid value for {tax_id_type}.")
    if tax_id_type == "gb_vat" and GB_VAT.match(value) is None:
        raise parameter_invalid(param, f"Invalid value for {tax_id_type}.")


def checked_entry(params: Params, prefix: str = "") -> tuple[str, str]:
    """(type, value) of one tax id's parameters, validated as Stripe validates them."""
    check_known(params, ("type", "value", "expand") if not prefix else ("type", "value"), prefix)
    tax_id_type = get_str(params, "type", prefix)
    if not tax_id_type:
        raise parameter_missing(f"{prefix}[type]" if prefix else "type")
    if tax_id_type not in TYPES:
        param = f"{prefix}[type]" if prefix else "type"
        raise parameter_invalid(param, f"Invalid {param}: {tax_id_type}")
    value = (get_str(params, "value", prefix) or "").replace(" ", "").upper()
    if not value:
        raise parameter_missing(f"{prefix}[value]" if prefix else "value")
    _check_value(tax_id_type, value, prefix)
    return tax_id_type, value


def add_tax_id(
    state: StripeState,
    customer_id: str,
    tax_id_type: str,
    value: str,
    request: RequestInfo | None = None,
    created: int | None = None,
) -> Obj:
    """Store a checked tax id on a customer and emit ``customer.tax_id.created``."""
    with state.lock:
        state.customers.require(customer_id)
        owned = state.tax_ids_of.setdefault(customer_id, [])
        if len(owned) >= MAX_PER_CUSTOMER:
            raise parameter_invalid(
                "value", f"A customer can have at most {MAX_PER_CUSTOMER} tax ids."
            )
        obj = objects.tax_id(
            state.new_id("txi"),
            created if created is not None else state.now(),
            customer_id,
            tax_id_type,
            value,
            country=_country(tax_id_type, value),
            verification_status="pending" if tax_id_type in VERIFIED_TYPES else "unavailable",
        )
        state.tax_ids.add(obj)
        owned.append(obj["id"])
        state.emit("customer.tax_id.created", obj, request=request)
        return obj


def create_tax_id(
    state: StripeState, customer_id: str, params: Params, request: RequestInfo | None = None
) -> Obj:
    """``POST /v1/customers/{id}/tax_ids``."""
    tax_id_type, value = checked_entry(params)
    with state.lock:
        state.customers.require(customer_id)
        return add_tax_id(state, customer_id, tax_id_type, value, request)


def retrieve_tax_id(state: StripeState, customer_id: str, tax_id: str) -> Obj:
    with state.lock:
        state.customers.require(customer_id)
        if tax_id not in state.tax_ids_of.get(customer_id, []):
            raise resource_missing("tax_id", tax_id)
        return state.tax_ids.require(tax_id)


def delete_tax_id(
    state: StripeState, customer_id: str, tax_id: str, request: RequestInfo | None = None
) -> Obj:
    """``DELETE /v1/customers/{id}/tax_ids/{tax_id}``: emits ``customer.tax_id.deleted``."""
    with state.lock:
        obj = retrieve_tax_id(state, customer_id, tax_id)
        state.tax_ids.remove(tax_id)
        state.tax_ids_of[customer_id].remove(tax_id)
        state.emit("customer.tax_id.deleted", obj, request=request)
        return objects.deleted(tax_id, "tax_id")


def forget_customer(state: StripeState, customer_id: str) -> None:
    """A deleted customer's tax ids go with it."""
    for tax_id in state.tax_ids_of.pop(customer_id, []):
        state.tax_ids.remove(tax_id)


def tax_ids_list(state: StripeState, customer_id: str) -> Obj:
    """The customer's ``tax_ids`` as an expanded customer carries it."""
    ids = state.tax_ids_of.get(customer_id, [])
    return {
        "object": "list",
        "data": [state.tax_ids.require(t) for t in reversed(ids)],
        "has_more": False,
        "url": f"/v1/customers/{customer_id}/tax_ids",
    }
