"""List endpoints (https://docs.stripe.com/api/pagination).

``limit`` is 1..100 (default 10); ``starting_after`` / ``ending_before`` are object ids (only
one of them); results are newest first and ``has_more`` tells whether another page exists in
the direction of travel. ``created`` takes a timestamp or ``created[gt|gte|lt|lte]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from connector.sandbox.stripe.errors import parameter_invalid
from connector.sandbox.stripe.forms import Params
from connector.sandbox.stripe.params import check_known, get_int, get_str, invalid
from connector.sandbox.stripe.store import Collection, CreatedRange

Obj = dict[str, Any]
LIST_PARAMS = ("limit", "starting_after", "ending_before", "created", "expand")


def created_range(params: Params, key: str = "created") -> CreatedRange | None:
    raw = params.get(key)
    if raw is None:
        return None
    if isinstance(raw, str):
        value = get_int(params, key)
        return CreatedRange(value, value)
    if not isinstance(raw, dict):
        raise parameter_invalid(key, f"Invalid {key}")
    check_known(raw, ("gt", "gte", "lt", "lte"), key)
    lower: int | None = None
    upper: int | None = None
    gt = get_int(raw, "gt", key)
    gte = get_int(raw, "gte", key)
    lt = get_int(raw, "lt", key)
    lte = get_int(raw, "lte", key)
    if gt is not None:
        lower = gt + 1
    if gte is not None:
        lower = gte if lower is None else max(lower, gte)
    if lt is not None:
        upper = lt - 1
    if lte is not None:
        upper = lte if upper is None else min(upper, lte)
    return CreatedRange(lower, upper)


def list_page(
    collection: Collection,
    params: Params,
    url: str,
    *,
    extra_params: Iterable[str] = (),
    predicate: Callable[[Obj], bool] | None = None,
    render: Callable[[Obj], Obj] | None = None,
) -> Obj:
    check_known(params, (*LIST_PARAMS, *extra_params))
    limit = get_int(params, "limit", minimum=1, maximum=100)
    starting_after = get_str(params, "starting_after") or None
    ending_before = get_str(params, "ending_before") or None
    if starting_after and ending_before:
        raise invalid(
            "You may only specify one of these parameters: ending_before, starting_after."
        )
    page = collection.page(
        10 if limit is None else limit,
        starting_after=starting_after,
        ending_before=ending_before,
        created=created_range(params),
        predicate=predicate,
    )
    data = [render(obj) for obj in page.data] if render else page.data
    return {"object": "list", "data": data, "has_more": page.has_more, "url": url}
