"""How often a daemon beats in the store, and how long a silence means it is gone.

A daemon (``connector run``) records itself in the store's ``daemon`` table and beats there
(see :mod:`connector.daemon`); ``connector status`` and ``connector_workers_alive`` count the
daemons whose last beat is recent. Four missed beats allow for a store that is slow for a
while without taking a live daemon for dead.
"""

from __future__ import annotations

import datetime as dt

DAEMON_BEAT_SECONDS = 15.0
DAEMON_ALIVE_WITHIN = dt.timedelta(seconds=4 * DAEMON_BEAT_SECONDS)
