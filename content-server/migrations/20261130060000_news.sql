-- News: announcements written by the officer and items imported from RSS/Atom feeds. Both
-- bypass drafts: a change rebuilds the news data set, and the manifests of the screens
-- showing news get its new reference. Instants are RFC 3339 in UTC, to the second.

-- A feed: fetched from `url` on a schedule (ETag / Last-Modified remembered), or fed by
-- uploaded files when `url` is NULL. Its items concern `communes` (JSON array of INSEE
-- codes, empty for the whole territory) and show for `keep_days` after their date; only the
-- `max_items` newest are kept.
CREATE TABLE news_feeds (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    url TEXT,
    owner TEXT REFERENCES communes (insee),
    communes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(communes)),
    lang TEXT NOT NULL DEFAULT 'fr',
    keep_days INTEGER NOT NULL DEFAULT 7 CHECK (keep_days BETWEEN 1 AND 365),
    max_items INTEGER NOT NULL DEFAULT 20 CHECK (max_items BETWEEN 1 AND 200),
    refresh_minutes INTEGER NOT NULL DEFAULT 60 CHECK (refresh_minutes BETWEEN 5 AND 10080),
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    etag TEXT,
    last_modified TEXT,
    checked_at TEXT,
    imported_at TEXT,
    last_error TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
) STRICT;

-- A news item. `feed_id` NULL: an announcement; otherwise `source_key` is the entry's guid
-- (or link) that re-imports match on. `approved_at` NULL: written by an editor who may not
-- publish, waiting for an approver. `hidden`: a feed item the officer withdrew (kept so that
-- the next import does not bring it back). `image_url`: the picture a feed entry names, fetched
-- once (`image_tried` is the address last tried) into `image`.
CREATE TABLE news_items (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    feed_id TEXT REFERENCES news_feeds (id) ON DELETE CASCADE,
    source_key TEXT,
    owner TEXT REFERENCES communes (insee),
    title TEXT NOT NULL CHECK (json_valid(title)),
    body TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(body)),
    image TEXT REFERENCES blobs (sha256),
    image_url TEXT,
    image_tried TEXT,
    link TEXT,
    valid_from TEXT,
    valid_until TEXT,
    communes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(communes)),
    published_at TEXT,
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    approved_at TEXT,
    approved_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (feed_id, source_key),
    CHECK ((feed_id IS NULL) = (source_key IS NULL))
) STRICT;
CREATE INDEX news_items_by_feed ON news_items (feed_id, published_at);

-- Every import run of a feed, with its report.
CREATE TABLE news_imports (
    id INTEGER PRIMARY KEY,
    feed_id TEXT NOT NULL REFERENCES news_feeds (id) ON DELETE CASCADE,
    at TEXT NOT NULL,
    trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'manual', 'file')),
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    not_modified INTEGER NOT NULL DEFAULT 0,
    added INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    dropped INTEGER NOT NULL DEFAULT 0,
    error TEXT
) STRICT;
CREATE INDEX news_imports_by_feed ON news_imports (feed_id, at);

-- A manifest refresh caused by a data set change names it here (`news`); NULL otherwise.
ALTER TABLE publications ADD COLUMN data_set TEXT;

-- (Alerts: `alerts.target` may also hold {"groups": [group ids]}: the screens whose
-- published body lists one of the groups.)
