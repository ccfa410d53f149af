-- The hub's records in PostgreSQL (one county or a whole province). Applied in order by
-- inspect_app/hub/store/postgres.py under an advisory lock, once per version.

CREATE TABLE hub_counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
-- hub_seq: the arrival number of every op. Taken with SELECT ... FOR UPDATE inside the push
-- transaction, so numbers are handed out in commit order (see docs/hub.md, "pull cursor").
INSERT INTO hub_counters (name, value) VALUES ('hub_seq', 0), ('hub_device_seq', 0);

CREATE TABLE hub_inspections (
    id      text PRIMARY KEY,
    max_seq bigint NOT NULL DEFAULT 0,
    row     jsonb NOT NULL          -- center_id, team, creator, sealed, status, score, ...
);

CREATE TABLE hub_ops (
    hub_seq       bigint PRIMARY KEY,
    inspection_id text NOT NULL,
    op_id         text NOT NULL,    -- device:seq
    device        text NOT NULL,
    body          jsonb NOT NULL,   -- the op as the protocol sends it, with hub_seq
    UNIQUE (inspection_id, op_id)
);
CREATE INDEX hub_ops_by_inspection ON hub_ops (inspection_id, hub_seq);

CREATE TABLE hub_centers (
    id    text PRIMARY KEY,
    value jsonb NOT NULL
);

CREATE TABLE hub_blob_holders (
    sha           text NOT NULL,
    inspection_id text NOT NULL,
    PRIMARY KEY (sha, inspection_id)
);

CREATE TABLE hub_users (
    username text PRIMARY KEY,
    row      jsonb NOT NULL
);

CREATE TABLE hub_tokens (
    id       text PRIMARY KEY,
    username text NOT NULL,
    row      jsonb NOT NULL
);
CREATE INDEX hub_tokens_by_user ON hub_tokens (username);

CREATE TABLE hub_secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

CREATE TABLE hub_upload_leases (
    sha     text PRIMARY KEY,
    expires timestamptz NOT NULL
);
