-- People who use the officer's web page and the API. Passwords are Argon2id PHC strings.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(username) BETWEEN 1 AND 64),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'approver', 'editor', 'viewer')),
    created_at TEXT NOT NULL
) STRICT;

-- The communes whose objects an editor may change (admins and approvers are not scoped).
CREATE TABLE user_communes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    insee TEXT NOT NULL REFERENCES communes (insee),
    PRIMARY KEY (user_id, insee)
) STRICT;
