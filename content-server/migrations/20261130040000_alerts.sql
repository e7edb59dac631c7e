-- Emergency alerts. They bypass drafts and publishing: a change is stored, pushed at once to
-- the screens it reaches and written into their manifests. `revision` grows with every edit
-- or cancellation (players keep the highest revision per id); a cancelled alert stays, as a
-- tombstone, until it expires. Instants are RFC 3339 to the second, in UTC, so that they
-- compare as strings. `title` and `message` are per-language texts ({"fr": "..."});
-- `target` is {"all": true}, or {"screens": [ids]} and/or {"communes": [INSEE codes]} (every
-- screen owned by or standing in those communes).
CREATE TABLE alerts (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    revision INTEGER NOT NULL CHECK (revision >= 1),
    severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    title TEXT NOT NULL CHECK (json_valid(title)),
    message TEXT NOT NULL CHECK (json_valid(message)),
    starts_at TEXT NOT NULL,
    expires_at TEXT NOT NULL CHECK (expires_at > starts_at),
    cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1)),
    target TEXT NOT NULL CHECK (json_valid(target)),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX alerts_by_expiry ON alerts (expires_at);

-- Who raised, edited or cancelled which alert, and the alert as it was then (JSON: the
-- protocol alert and its target).
CREATE TABLE alert_log (
    id INTEGER PRIMARY KEY,
    alert_id TEXT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    revision INTEGER NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('raised', 'edited', 'cancelled')),
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    at TEXT NOT NULL,
    alert TEXT NOT NULL CHECK (json_valid(alert)),
    UNIQUE (alert_id, revision)
) STRICT;

-- A manifest refresh caused by an alert change is numbered like a publication (its id is
-- the SSE id of the `manifest` events it pushes, so ids keep growing): `alert` names the
-- alert, `objects` is 0. NULL for a publish of drafts.
ALTER TABLE publications ADD COLUMN alert TEXT;
