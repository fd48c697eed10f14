-- 0006_headline_blocks: the rail a headline was seen in ("Most read", "Related").
-- Documented in docs/schema.md. Additive only: one column with a default, so existing rows read ''.

-- The label text of the rail (the headline block) the headline was listed in on that page, as the
-- page names it; '' when the rail names itself nowhere, and for sightings stored before 0006.
-- A headline listed in two rails of one page is two sightings (two positions).
ALTER TABLE headline_sightings ADD COLUMN block text NOT NULL DEFAULT '';
