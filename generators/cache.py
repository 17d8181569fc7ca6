"""The teacher-call cache: content-addressed responses in SQLite under the output folder.

A re-run, or a run restarted after a crash, asks the teacher only for what is not stored yet.
Each batch is committed as soon as it is answered.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from generators.teachers.base import TeacherResponse


class TeacherCache:
    """key → response, with counts of hits and stores for the manifest."""

    def __init__(self, path: str | Path | None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # Lanes on other processes write the same file: wait for their commit, do not fail.
        self._db = sqlite3.connect(str(self.path) if self.path else ":memory:", timeout=120)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS calls (key TEXT PRIMARY KEY, response TEXT NOT NULL)"
        )
        self._db.commit()
        self.hits = 0
        self.stores = 0

    def get(self, key: str) -> TeacherResponse | None:
        row = self._db.execute("SELECT response FROM calls WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        self.hits += 1
        return TeacherResponse.from_json(json.loads(row[0]))

    def put_many(self, items: list[tuple[str, TeacherResponse]]) -> None:
        """Store answers of one batch; errored answers are not cached, so they are retried."""
        rows = [(k, json.dumps(r.to_json())) for k, r in items if not r.error]
        self._db.executemany("INSERT OR REPLACE INTO calls VALUES (?, ?)", rows)
        self._db.commit()
        self.stores += len(rows)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM calls").fetchone()[0])

    def close(self) -> None:
        self._db.close()
