-- The communes of the territory: every object belongs to one of them or to the
-- intercommunality. Seeded at start-up from assets/communes (Etalab data).
CREATE TABLE communes (
    insee TEXT PRIMARY KEY NOT NULL CHECK (length(insee) = 5),
    name TEXT NOT NULL,
    population INTEGER NOT NULL DEFAULT 0
) STRICT;
