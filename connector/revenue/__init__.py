"""Revenue movements: what each billing change did to MRR, in the categories finance uses."""

from connector.revenue.movements import Movement, MovementKind, derive_movements

__all__ = ["Movement", "MovementKind", "derive_movements"]
