"""Salesforce (CRM) target adapter: SOQL reads by external id, sObject Collections upserts.

``build_salesforce_target(settings, mapping)`` returns a :class:`SalesforceTarget`, which
implements :class:`adapters.base.Target`; ``target.describe_contract()`` compares the mapping
with the org's describe results. See :mod:`adapters.salesforce.target` for the design and its
cost per 100,000 records.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.lazy import lazy_attributes

if TYPE_CHECKING:
    from adapters.salesforce.contract import contract_problems
    from adapters.salesforce.settings import SalesforceSettings
    from adapters.salesforce.target import SalesforceTarget, build_salesforce_target

_HOMES = {
    "contract_problems": "adapters.salesforce.contract",
    "SalesforceSettings": "adapters.salesforce.settings",
    "SalesforceTarget": "adapters.salesforce.target",
    "build_salesforce_target": "adapters.salesforce.target",
}

# The adapter and its client libraries load when one of these is first used.
__getattr__ = lazy_attributes(__name__, _HOMES)

__all__ = ["SalesforceSettings", "SalesforceTarget", "build_salesforce_target", "contract_problems"]
