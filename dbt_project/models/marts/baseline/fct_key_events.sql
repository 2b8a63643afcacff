with

events as (
    select * from {{ ref('stg_pingan__key_events') }}
),

codes as (
    select * from {{ ref('dim_safety_codes') }}
),

final as (
    select
        events.event_id::varchar as event_id,
        events.event_type_code::varchar as event_type_code,
        event_types.name::varchar as event_type_name,
        events.event_level::varchar as event_level,
        events.title::varchar as title,
        events.street_code::varchar as street_code,
        events.community_code::varchar as community_code,
        events.grid_code::varchar as grid_code,
        events.longitude::double as longitude,
        events.latitude::double as latitude,
        events.status::varchar as status,
        (events.status = '处置中')::boolean as is_open,
        events.occurred_at::timestamp as occurred_at,
        events.reported_at::timestamp as reported_at,
        events.closed_at::timestamp as closed_at,
        date_trunc('month', events.reported_at)::date as reported_month,
        (date_diff('second', events.occurred_at, events.reported_at) / 3600.0)::double as report_delay_hours,
        (date_diff('second', events.reported_at, events.closed_at) / 86400.0)::double as handling_days,
        events.updated_at::timestamp as updated_at
    from events
    left join codes as event_types
        on event_types.code_type = 'event_type' and events.event_type_code = event_types.code
)

select * from final
