"""Salesforce (CRM) target adapter: SOQL reads by external id, sObject Collections upserts.

``build_salesforce_target(settings, mapping)`` returns a :class:`SalesforceTarget`, which
implements :class:`adapters.base.Target`; ``target.describe_contract()`` compares the mapping
with the org's describe results. See :mod:`adapters.salesforce.target` for the design and its
cost per 100,000 records.
"""

from adapters.salesforce.contract import contract_problems
from adapters.salesforce.settings import SalesforceSettings
from adapters.salesforce.target import SalesforceTarget, build_salesforce_target

__all__ = [
    "SalesforceSettings",
    "SalesforceTarget",
    "build_salesforce_target",
    "contract_problems",
]
