-- 002: what every hub process must read alike besides the ledger and the accounts (the county
-- CA and TSA, the bureau's editions), and the columns a pull finds an inspector's inspections
-- by, so that it does not read every inspection's row.

CREATE TABLE hub_settings (
    name    text PRIMARY KEY,
    -- "trust" holds the county CA's and TSA's private keys: grant this table like hub_secrets.
    value   jsonb NOT NULL,
    updated timestamptz NOT NULL DEFAULT now()
);

-- A jsonb array of names as text[] (anything else: empty), for the team column below.
CREATE FUNCTION hub_text_array(value jsonb) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(x), '{}')
          FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE '[]' END) AS x $$;

-- Who may pull an inspection (hub/ledger.py may_read, may_read_self_assessment) and which
-- center it scores for, kept by PostgreSQL itself from the row every push writes.
ALTER TABLE hub_inspections
    ADD COLUMN creator    text    GENERATED ALWAYS AS (coalesce(row->>'creator', '')) STORED,
    ADD COLUMN team       text[]  GENERATED ALWAYS AS (hub_text_array(row->'team')) STORED,
    ADD COLUMN center_id  text    GENERATED ALWAYS AS (coalesce(row->>'center_id', '')) STORED,
    ADD COLUMN stage      text    GENERATED ALWAYS AS (coalesce(nullif(row->>'stage', ''), 'county')) STORED,
    ADD COLUMN sealed_any boolean GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(row->'sealed') = 'array' THEN jsonb_array_length(row->'sealed') > 0 ELSE false END) STORED;

CREATE INDEX hub_inspections_by_creator ON hub_inspections (creator);
CREATE INDEX hub_inspections_by_team ON hub_inspections USING gin (team);
-- a center's inspections: the self-assessments a pull adds, the centers a push re-scores
CREATE INDEX hub_inspections_by_center ON hub_inspections (center_id);
