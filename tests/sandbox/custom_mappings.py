"""The shipped mappings with custom Salesforce fields, as an operator would try them."""

from __future__ import annotations

import shutil
from pathlib import Path

from connector.mapping.defaults import default_mappings_dir

SUBSCRIPTION_FIELDS = "    fields:\n"
CUSTOM = """\
      - {target: Sales_Region__c, source: customer.country, max_length: 20}
      - {target: Seats_Total__c, source: total_quantity, format: integer}
      - {target: Monthly_Value__c, source: mrr, format: decimal}
      - {target: Is_Trial__c, constant: false, format: boolean}
      - target: Tier__c
        source: plan_code
        map: {starter: Small, pro: Medium, business: Large, enterprise: Large}
"""


def custom_mappings(tmp_path: Path) -> Path:
    """The shipped mappings, the Salesforce one with custom fields on Subscription__c."""
    directory = tmp_path / "mappings"
    shutil.copytree(default_mappings_dir(), directory)
    path = directory / "salesforce.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = (
        "    target: Subscription__c\n    key: {field: Stripe_Subscription_Id__c, source: id}\n"
    )
    assert anchor + SUBSCRIPTION_FIELDS in text
    path.write_text(
        text.replace(anchor + SUBSCRIPTION_FIELDS, anchor + SUBSCRIPTION_FIELDS + CUSTOM),
        encoding="utf-8",
    )
    return directory
