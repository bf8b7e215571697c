-- One row: this installation's id. Several installations may share one Redis; each keeps its own
-- "Redis holds my revocation list" marker under this id, so one cannot hide another's Redis restart.
CREATE TABLE deployment (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    created_at timestamptz NOT NULL DEFAULT now(),
    singleton  boolean NOT NULL DEFAULT true UNIQUE CHECK (singleton)
);
INSERT INTO deployment DEFAULT VALUES;
