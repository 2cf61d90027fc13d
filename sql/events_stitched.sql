-- events_stitched: every silver event with its CURRENT person (retroactive stitching).
-- Plain Spark SQL over temp views named like the tables: events_silver (SILVER_EVENT_SCHEMA) and
-- identity_map (the identity_map log: the row with the highest map_version per identifier is current).
-- Silver's *_hash columns must be privacy.keyed_hash_column(<raw id>, key) with the identity key.
-- The person of an event: its login's person, else its cookie's, else its device's (a shared cookie
-- or device is cut loose by merge protection; the login on the event decides).
-- silver.person_id is the person at ingest time; current_person_id follows later merges and splits.
CREATE OR REPLACE TEMP VIEW events_stitched AS
WITH current_map AS (
  SELECT identifier_type, identifier_hash, max_by(person_id, map_version) AS person_id
  FROM identity_map
  GROUP BY identifier_type, identifier_hash
)
SELECT
  e.*,
  coalesce(u.person_id, a.person_id, d.person_id, e.person_id) AS current_person_id
FROM events_silver AS e
LEFT JOIN current_map AS u ON u.identifier_type = 'user_id' AND u.identifier_hash = e.user_id_hash
LEFT JOIN current_map AS a ON a.identifier_type = 'anonymous_id' AND a.identifier_hash = e.anonymous_id_hash
LEFT JOIN current_map AS d ON d.identifier_type = 'device_id' AND d.identifier_hash = e.device_id_hash
