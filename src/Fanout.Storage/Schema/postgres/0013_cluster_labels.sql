-- Worker labels (issue 15, docs/scale-out.md "Worker labels"): 'fanout worker --labels zone=dmz,gpu=yes' records its
-- labels here as sorted 'key=value' pairs joined with ','; a run asking for labels is leased only to workers that have all
-- of them. Empty for silos without labels (and for rows written before this migration).
ALTER TABLE cluster_members ADD COLUMN labels TEXT NOT NULL DEFAULT '';
