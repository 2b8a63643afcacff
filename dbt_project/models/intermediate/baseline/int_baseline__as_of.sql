-- the data's own clock: the latest time up to which the 深平安 source has been extracted (the simulator's as-of,
-- a live system's "now"); read from the batch manifests, so no table has to be scanned for it
with

batches as (
    select * from {{ ref('stg_pingan__batches') }}
),

as_of as (
    select
        max(extracted_until) as as_of_at,
        max(extracted_until)::date as as_of_date
    from batches
    -- the dictionary's batches carry the codes' own date, not the extraction's
    where entity != 'dictionary'
)

select * from as_of
