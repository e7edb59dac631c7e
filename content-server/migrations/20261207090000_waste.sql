-- Waste collection: each commune's calendar written as rules (beffroi_waste::Rule as JSON),
-- and the sorting guide (officer-written tips and entries imported from ADEME's guide).
-- Both bypass drafts: a change rebuilds the waste data set (the rules expanded over the
-- horizon) and the manifests of the screens showing waste prompts get its new reference.
-- Instants are RFC 3339 in UTC, to the second.

-- A commune's calendar: when screens remind residents to put the bins out (local times
-- "HH:MM"; an end before the start runs past midnight).
CREATE TABLE waste_calendars (
    commune TEXT PRIMARY KEY NOT NULL REFERENCES communes (insee),
    reminder_start TEXT NOT NULL DEFAULT '17:00',
    reminder_end TEXT NOT NULL DEFAULT '23:00',
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- One rule of a calendar, in the officer's order (`position`).
CREATE TABLE waste_rules (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    commune TEXT NOT NULL REFERENCES waste_calendars (commune) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    rule TEXT NOT NULL CHECK (json_valid(rule)),
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX waste_rules_by_commune ON waste_rules (commune, position);

-- What changed in the calendars, by whom: collection days are what residents act on.
CREATE TABLE waste_history (
    id INTEGER PRIMARY KEY,
    commune TEXT NOT NULL,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    what TEXT NOT NULL
) STRICT;

-- An entry of the sorting guide (beffroi_protocol's SortingAdvice as JSON). `origin`:
-- written by the officer, or imported from ADEME's guide (`ademe-<ID>`). `edited`: an
-- imported entry the officer changed (later imports leave it). `hidden`: kept off the
-- screens and the kiosk. `removed_at`: an imported entry missing from the latest guide.
CREATE TABLE waste_advice (
    id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),
    origin TEXT NOT NULL CHECK (origin IN ('officer', 'ademe')),
    advice TEXT NOT NULL CHECK (json_valid(advice)),
    edited INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
    hidden INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    removed_at TEXT,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- Every import of ADEME's guide, with its counts; `report`: JSON of the problems and the
-- keys repaired.
CREATE TABLE waste_imports (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    file TEXT,
    error TEXT,
    report TEXT NOT NULL CHECK (json_valid(report))
) STRICT;
