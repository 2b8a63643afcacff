with

bronze as (
    {{ committed_bronze('bronze_pingan', 'conflict_items') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('item_id', 'updated_at desc, _ingested_at desc') }}
),

-- the same item entered twice (same text, same minute, same grid): the first record id keeps it
deduplicated as (
    select *
    from latest
    {{ pingan_first_by_business_key(['description', 'created_at', 'grid_code'], 'item_id') }}
),

renamed as (
    select
        item_id,
        dispute_type_code,
        title,
        description,
        source as item_source,
        supervise_level,
        responsible_unit,
        parties_count,
        amount_involved,
        grid_code,
        community_code,
        street_code,
        status,
        result,
        created_at,
        accepted_at,
        due_at,
        closed_at,
        updated_at
    from deduplicated
)

select * from renamed
