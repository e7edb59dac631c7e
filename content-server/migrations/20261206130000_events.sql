-- The agenda: events written by the officer and events imported from agenda sources
-- (iCalendar, OpenAgenda, DATAtourisme, Apidae). Both bypass drafts: a change rebuilds the events
-- data set (occurrences expanded over the horizon), and the manifests of the screens
-- showing an agenda get its new reference. Instants are RFC 3339 in UTC, to the second.

-- A source: fetched from `url` on a schedule (ETag / Last-Modified remembered), or fed by
-- uploaded files when `url` is NULL. `commune`: the commune of its events whose place names
-- none of the territory (NULL: such events stay off the screens). `zone`: the IANA zone of
-- floating times. `category`: for events whose source says nothing usable (NULL: guessed).
CREATE TABLE event_sources (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    format TEXT NOT NULL CHECK (format IN ('ical', 'openagenda', 'datatourisme', 'apidae')),
    url TEXT,
    owner TEXT REFERENCES communes (insee),
    commune TEXT REFERENCES communes (insee),
    zone TEXT NOT NULL DEFAULT 'Europe/Paris',
    category TEXT,
    refresh_minutes INTEGER NOT NULL DEFAULT 360 CHECK (refresh_minutes BETWEEN 5 AND 10080),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    etag TEXT,
    last_modified TEXT,
    checked_at TEXT,
    imported_at TEXT,
    last_error TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
) STRICT;

-- An event. `source` NULL: written by the officer; otherwise `source_key` is its id in the
-- source, that re-imports match on. `record`: the event as read (beffroi_agenda's
-- SourceEvent: texts, place, category, status, link, picture address, timing — a list of
-- occurrences or an iCalendar series). `commune`: where it takes place (NULL: for the
-- officer's, the whole territory; for an imported one, outside the territory).
-- `approved_at` NULL: written by an editor who may not publish. `hidden`: withdrawn by the
-- officer (kept so that the next import does not bring it back). `removed_at`: no longer
-- in its source since that import (kept, off the screens, until it comes back).
CREATE TABLE events (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    source TEXT REFERENCES event_sources (id) ON DELETE CASCADE,
    source_key TEXT,
    owner TEXT REFERENCES communes (insee),
    record TEXT NOT NULL CHECK (json_valid(record)),
    commune TEXT REFERENCES communes (insee),
    image TEXT REFERENCES blobs (sha256),
    image_tried TEXT,
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    removed_at TEXT,
    approved_at TEXT,
    approved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (source, source_key),
    CHECK ((source IS NULL) = (source_key IS NULL))
) STRICT;

-- Every import run of a source, with its counts and one line per item that changed or
-- failed (`items`: JSON array of {key, title, outcome, message}).
CREATE TABLE event_imports (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL REFERENCES event_sources (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'file')),
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    not_modified INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    removed INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    items TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(items))
) STRICT;
CREATE INDEX event_imports_by_source ON event_imports (source, at);
