-- Sessions of the officer's web page: the cookie holds a random token, the database only
-- its SHA-256, so a copy of the database cannot be replayed as a login.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

-- Long-lived tokens for scripts and integrations (`Authorization: Bearer bfu_...`).
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT
) STRICT;

-- Every object the officer edits: screen groups, screens, layouts, playlists and schedule
-- entries. `draft` is what the editors see and change; `published` is what reaches the
-- screens, copied from the draft by a publish. A NULL draft is a pending deletion; a NULL
-- published body an object never published. `owner` NULL means the intercommunality
-- (shared), else the commune that owns it.
CREATE TABLE objects (
    kind TEXT NOT NULL CHECK (kind IN ('group', 'screen', 'layout', 'playlist', 'schedule')),
    id TEXT NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    owner TEXT REFERENCES communes (insee),
    draft TEXT,
    published TEXT,
    revision INTEGER NOT NULL DEFAULT 1,
    builtin INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    published_at TEXT,
    published_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (kind, id)
) STRICT;
CREATE INDEX objects_by_owner ON objects (owner);

-- One row per publish: when, who, and what it changed.
CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    objects INTEGER NOT NULL,
    screens_changed INTEGER NOT NULL
) STRICT;

-- Every blob the server stores (originals, renditions, thumbnails, data sets, manifests'
-- assets), with the type it is served with.
CREATE TABLE blobs (
    sha256 TEXT PRIMARY KEY NOT NULL CHECK (length(sha256) = 64),
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Uploaded media. The original is kept as uploaded; width and height are upright (after the
-- EXIF orientation). The same bytes uploaded twice by one owner are one media.
CREATE TABLE media (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    owner TEXT REFERENCES communes (insee),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    thumbnail TEXT NOT NULL REFERENCES blobs (sha256),
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE UNIQUE INDEX media_once_per_owner ON media (sha256, coalesce(owner, ''));

-- Renditions of an original made for a pixel box (upright, scaled down, never up).
CREATE TABLE renditions (
    source TEXT NOT NULL,
    max_width INTEGER NOT NULL,
    max_height INTEGER NOT NULL,
    sha256 TEXT NOT NULL REFERENCES blobs (sha256),
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    PRIMARY KEY (source, max_width, max_height)
) STRICT;

-- The published manifest of each screen, as served (canonical JSON and its gzip), and the
-- publication that last changed it (its id is the SSE event id of the change).
CREATE TABLE manifests (
    screen_id TEXT PRIMARY KEY NOT NULL,
    version TEXT NOT NULL,
    generated_at TEXT NOT NULL,
    publication INTEGER NOT NULL,
    body BLOB NOT NULL,
    body_gzip BLOB NOT NULL
) STRICT;

-- The blobs a screen may fetch: those of its current and previous manifests.
CREATE TABLE manifest_blobs (
    screen_id TEXT NOT NULL,
    version TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (screen_id, version, sha256)
) STRICT;
CREATE INDEX manifest_blobs_by_blob ON manifest_blobs (sha256, screen_id);

-- Paired players. The token is 256 random bits; only its SHA-256 is stored (a slow hash
-- would cost every request, and a random token needs no stretching).
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    screen_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at TEXT
) STRICT;
CREATE INDEX devices_by_screen ON devices (screen_id);

-- Pairing codes a new player shows. The player proves it is the one that asked with a
-- secret (stored hashed); once claimed, the device token waits here until the player's next
-- poll takes it, then it is erased.
CREATE TABLE pairings (
    code TEXT PRIMARY KEY NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    screen_id TEXT,
    claimed_at TEXT,
    claimed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    token TEXT,
    delivered_at TEXT
) STRICT;

-- The last heartbeat of each screen and its last thumbnail.
CREATE TABLE screen_status (
    screen_id TEXT PRIMARY KEY NOT NULL,
    last_beat_at TEXT NOT NULL,
    player_version TEXT NOT NULL,
    manifest_version TEXT,
    report TEXT NOT NULL,
    thumbnail TEXT,
    thumbnail_at TEXT
) STRICT;

-- Proof of play: one row per item shown, deduplicated so that a batch sent twice (the
-- player resends what it kept on disk while offline) counts once. `day` is the screen's
-- local date.
CREATE TABLE plays (
    screen_id TEXT NOT NULL,
    zone TEXT NOT NULL,
    started_at TEXT NOT NULL,
    playlist TEXT NOT NULL,
    item TEXT NOT NULL,
    duration_ms INTEGER NOT NULL,
    day TEXT NOT NULL,
    PRIMARY KEY (screen_id, zone, started_at)
) STRICT;
CREATE INDEX plays_by_day ON plays (day, screen_id, item);
