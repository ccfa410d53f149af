-- 004 (issue 14): a narrow read for the bureau's table of every center.
--
-- Why: the table read every inspection's whole row (jsonb_agg over hub_inspections.row, the
-- stored scores inside it) to find each center's stored columns and check they are current;
-- for 2,000 centers under 200 syncing tablets that read alone took up to 2.6 s. Now:
--   * each center's stored table row lives in hub_center_scores, one row per center (the
--     scored columns of its latest inspection with the key they were computed at);
--   * the fields the freshness key is computed from (hub/reports.py _stored: latest review,
--     own self-assessment, previous round) are generated columns of hub_inspections, so the
--     table reads them without reading any row's jsonb.
-- The key itself is still computed in Python (reports._stored), the same on both backends.

-- A jsonb array of whole numbers as integer[] (anything else: left out), for `sealed` below.
CREATE FUNCTION hub_int_array(value jsonb) RETURNS integer[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT coalesce(array_agg(x::text::integer ORDER BY n), '{}')
          FROM jsonb_array_elements(CASE WHEN jsonb_typeof(value) = 'array' THEN value ELSE '[]' END)
               WITH ORDINALITY AS e(x, n)
          WHERE jsonb_typeof(x) = 'number' AND x::text ~ '^[0-9]{1,9}$' $$;

-- The rest of what the table reads of an inspection (store/base.py TABLE_FIELDS), with the
-- defaults InspectionEntry.of gives a row that lacks them.
ALTER TABLE hub_inspections
    ADD COLUMN round_id text      GENERATED ALWAYS AS (coalesce(row->>'round_id', '')) STORED,
    ADD COLUMN status   text      GENERATED ALWAYS AS (coalesce(row->>'status', 'draft')) STORED,
    ADD COLUMN revision integer   GENERATED ALWAYS AS (
        CASE WHEN jsonb_typeof(row->'revision') = 'number' AND row->>'revision' ~ '^[0-9]{1,9}$'
             THEN (row->>'revision')::integer ELSE 1 END) STORED,
    ADD COLUMN sealed   integer[] GENERATED ALWAYS AS (hub_int_array(row->'sealed')) STORED;

-- One stored table row per center (LedgerStore.put_score): for which inspection, at which of
-- its max_seq, and {"key": [...], "columns": {...}} as reports.py made it.
CREATE TABLE hub_center_scores (
    center_id     text PRIMARY KEY,
    inspection_id text   NOT NULL,
    at_seq        bigint NOT NULL,
    score         jsonb  NOT NULL
);
CREATE INDEX hub_center_scores_by_inspection ON hub_center_scores (inspection_id);

-- Scores stored before this migration move here (the one of each center's latest review, as
-- the table looks it up) and leave the rows; a score that is not current is scored again.
INSERT INTO hub_center_scores (center_id, inspection_id, at_seq, score)
SELECT DISTINCT ON (center_id) center_id, id, max_seq, row->'score'
FROM hub_inspections
WHERE center_id <> '' AND stage <> 'self' AND jsonb_typeof(row->'score') = 'object'
ORDER BY center_id, max_seq DESC;
UPDATE hub_inspections SET row = row - 'score' WHERE row ? 'score';
