"""Working on a store file behind protocol_kit's back, as a forger holding the database would."""
from __future__ import annotations

import sqlite3

TRIGGERS = ("events_no_update", "events_no_delete", "blobs_no_update", "blobs_no_delete")


def forge(path, sql: str, *params) -> None:
    """Drop the append-only triggers of the store file at ``path``, then run ``sql``."""
    con = sqlite3.connect(path)
    for trig in TRIGGERS:
        con.execute(f"DROP TRIGGER IF EXISTS {trig}")
    con.execute(sql, params)
    con.commit()
    con.close()
