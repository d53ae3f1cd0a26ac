"""SQLite schema, as numbered migrations applied in order and recorded in schema_version."""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str], ...] = (
    (
        1,
        """
        CREATE TABLE canonical_snapshot (
            key TEXT PRIMARY KEY,
            customer_id TEXT,
            status TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            body TEXT NOT NULL,
            synced_at TEXT NOT NULL
        );
        CREATE TABLE record_snapshot (
            system TEXT NOT NULL,
            object_name TEXT NOT NULL,
            key TEXT NOT NULL,
            body TEXT NOT NULL,
            agreed_modstamp TEXT,
            mapping TEXT NOT NULL,
            synced_at TEXT NOT NULL,
            PRIMARY KEY (system, object_name, key)
        ) WITHOUT ROWID;
        CREATE TABLE binding (
            system TEXT NOT NULL,
            object_name TEXT NOT NULL,
            key TEXT NOT NULL,
            remote_id TEXT NOT NULL,
            bound_at TEXT NOT NULL,
            PRIMARY KEY (system, object_name, key)
        ) WITHOUT ROWID;
        CREATE UNIQUE INDEX binding_remote ON binding (system, object_name, remote_id);
        CREATE TABLE cursor (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE run (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            dry_run INTEGER NOT NULL,
            mapping_version TEXT NOT NULL,
            status TEXT NOT NULL,
            summary TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX run_started ON run (started_at);
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            run_id TEXT NOT NULL,
            correlation_id TEXT NOT NULL,
            subscription_id TEXT NOT NULL,
            customer_id TEXT,
            event_types TEXT NOT NULL,
            outcome TEXT NOT NULL,
            dry_run INTEGER NOT NULL,
            mapping_version TEXT NOT NULL,
            mrr_before TEXT,
            mrr_after TEXT,
            mrr_delta TEXT,
            currency TEXT,
            detail TEXT NOT NULL
        );
        CREATE INDEX audit_subscription ON audit (subscription_id, at);
        CREATE INDEX audit_at ON audit (at);
        CREATE INDEX audit_run ON audit (run_id);
        CREATE TABLE audit_event_type (
            audit_id INTEGER NOT NULL REFERENCES audit (id),
            event_type TEXT NOT NULL,
            PRIMARY KEY (event_type, audit_id)
        ) WITHOUT ROWID;
        CREATE TABLE dead_letter (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL,
            system TEXT NOT NULL,
            reason TEXT NOT NULL,
            error_code TEXT NOT NULL,
            retryable INTEGER NOT NULL,
            run_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 1,
            status TEXT NOT NULL DEFAULT 'open',
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            resolved_at TEXT,
            resolved_by_run TEXT
        );
        CREATE UNIQUE INDEX dead_letter_open ON dead_letter (key, system) WHERE status = 'open';
        CREATE INDEX dead_letter_status ON dead_letter (status, updated_at);
        """,
    ),
    (
        2,
        """
        CREATE TABLE work_item (
            key TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            reason TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            not_before TEXT NOT NULL,
            enqueued_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            lease_owner TEXT,
            lease_expires_at TEXT,
            dirty INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX work_item_ready ON work_item (state, not_before);
        CREATE TABLE webhook_event (
            id TEXT PRIMARY KEY,
            type TEXT NOT NULL,
            key TEXT,
            received_at TEXT NOT NULL
        );
        CREATE INDEX canonical_customer ON canonical_snapshot (customer_id)
        """,
    ),
    (
        3,
        """
        CREATE TABLE revenue_movement (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            audit_id INTEGER NOT NULL REFERENCES audit (id),
            at TEXT NOT NULL,
            run_id TEXT NOT NULL,
            subscription_id TEXT NOT NULL,
            customer_id TEXT,
            currency TEXT NOT NULL,
            kind TEXT NOT NULL,
            amount TEXT NOT NULL,
            amount_minor BIGINT NOT NULL
        );
        CREATE INDEX revenue_movement_at ON revenue_movement (currency, at)
        """,
    ),
    (
        4,
        """
        ALTER TABLE run ADD COLUMN owner_host TEXT;
        ALTER TABLE run ADD COLUMN owner_pid INTEGER;
        ALTER TABLE run ADD COLUMN heartbeat_at TEXT;
        CREATE TABLE audit_intent (
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            entry TEXT NOT NULL,
            canonical TEXT,
            records TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (run_id, key)
        )
        """,
    ),
    (
        5,
        """
        CREATE TABLE system_state (
            system TEXT PRIMARY KEY,
            down INTEGER NOT NULL,
            reason TEXT,
            since TEXT,
            resume_at TEXT,
            updated_at TEXT NOT NULL
        )
        """,
    ),
    (
        6,
        """
        CREATE TABLE daemon (
            id TEXT PRIMARY KEY,
            host TEXT NOT NULL,
            pid INTEGER NOT NULL,
            started_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            workers INTEGER NOT NULL
        );
        CREATE INDEX daemon_heartbeat ON daemon (heartbeat_at)
        """,
    ),
)

CURRENT_VERSION = MIGRATIONS[-1][0]
