with

bronze as (
    {{ committed_bronze('bronze_pingan', 'work_orders') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('order_id', 'updated_at desc, _ingested_at desc') }}
),

-- the same order entered twice (same text, same minute, same grid): the first record id keeps it
deduplicated as (
    select *
    from latest
    {{ pingan_first_by_business_key(['content', 'created_at', 'grid_code'], 'order_id') }}
),

renamed as (
    select
        order_id,
        order_type_code,
        title,
        content,
        source as order_source,
        initiator_dept,
        handler_dept,
        priority,
        grid_code,
        community_code,
        street_code,
        status,
        created_at,
        dispatched_at,
        accepted_at,
        due_at,
        closed_at,
        archived_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
