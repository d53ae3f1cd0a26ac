"""The mapping contract check: every mapping against its target's live schema."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping

from adapters.base import ContractChecker, Target
from connector.errors import MappingContractError

CONTRACT_TTL_SECONDS = 600.0


class ContractCheck:
    """Done at the start of runs, at most every :data:`CONTRACT_TTL_SECONDS` per process, so a
    daemon's workers do not describe the targets before every batch."""

    def __init__(self, targets: Mapping[str, Target]) -> None:
        self.targets = targets
        self._checked_at = -math.inf

    def __call__(self, *, force: bool = False) -> None:
        """Raise :class:`MappingContractError` on any mismatch."""
        now = time.monotonic()
        if not force and now - self._checked_at < CONTRACT_TTL_SECONDS:
            return
        problems = {
            system: found
            for system, target in self.targets.items()
            if isinstance(target, ContractChecker) and (found := target.describe_contract())
        }
        if problems:
            raise MappingContractError(problems)
        self._checked_at = now
