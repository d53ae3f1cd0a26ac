"""``connector verify``: do billing, the CRM and the ERP state the same status and MRR?

Each system is asked for its own figures: billing's MRR as the connector derives it, the CRM's
mapped MRR field, the ERP's recurring total over its billing interval. Nothing is written.
"""

from connector.verify.compare import Disagreement, SystemFigures, compare_subscription
from connector.verify.run import VerifyReport, verify_systems

__all__ = [
    "Disagreement",
    "SystemFigures",
    "VerifyReport",
    "compare_subscription",
    "verify_systems",
]
