-- 平安底数 history: per snapshot day and grid, how many of each safety element were in force at the end of that day.
-- Rebuilt from dated history, not from today's state: key persons from their listing / level history, key places
-- from registration and deregistration, key events open between report and closure.
with

snapshot_dates as (
    select * from {{ ref('int_baseline__snapshot_dates') }}
),

person_levels as (
    select * from {{ ref('int_baseline__key_person_levels') }}
),

places as (
    select * from {{ ref('stg_pingan__key_places') }}
),

events as (
    select * from {{ ref('stg_pingan__key_events') }}
),

dictionary as (
    select * from {{ ref('stg_pingan__dictionary') }}
),

subtype_names as (
    select
        code,
        name
    from dictionary
    where dict_type = 'person_subtype'
),

level_names as (
    select
        code,
        name
    from dictionary
    where dict_type = 'control_level'
),

place_type_names as (
    select
        code,
        name
    from dictionary
    where dict_type = 'place_type'
),

event_type_names as (
    select
        code,
        name
    from dictionary
    where dict_type = 'event_type'
),

person_elements as (
    select
        'key_person' as element_type,
        coalesce(subtype_names.name, person_levels.subtype_code) as element_subtype,
        coalesce(level_names.name, person_levels.control_level_code, '') as element_level,
        person_levels.street_code,
        person_levels.community_code,
        person_levels.grid_code,
        person_levels.valid_from,
        person_levels.valid_to
    from person_levels
    left join subtype_names on person_levels.subtype_code = subtype_names.code
    left join level_names on person_levels.control_level_code = level_names.code
),

-- the source keeps only a place's current risk level: past snapshots show the best-known (current) level
place_elements as (
    select
        'key_place' as element_type,
        coalesce(place_type_names.name, places.place_type_code) as element_subtype,
        coalesce(places.risk_level, '') as element_level,
        places.street_code,
        places.community_code,
        places.grid_code,
        places.registered_at as valid_from,
        places.deregistered_at as valid_to
    from places
    left join place_type_names on places.place_type_code = place_type_names.code
),

-- a key event is part of the baseline while it is open (处置中): from its report to its closure
event_elements as (
    select
        'key_event' as element_type,
        coalesce(event_type_names.name, events.event_type_code) as element_subtype,
        coalesce(events.event_level, '') as element_level,
        events.street_code,
        events.community_code,
        events.grid_code,
        events.reported_at as valid_from,
        events.closed_at as valid_to
    from events
    left join event_type_names on events.event_type_code = event_type_names.code
),

elements as (
    select * from person_elements
    union all
    select * from place_elements
    union all
    select * from event_elements
),

counted as (
    select
        snapshot_dates.snapshot_date,
        elements.street_code,
        elements.community_code,
        elements.grid_code,
        elements.element_type,
        elements.element_subtype,
        elements.element_level,
        count(*) as element_count
    from elements
    inner join snapshot_dates
        on
            elements.valid_from < snapshot_dates.day_end_at
            and (elements.valid_to is null or elements.valid_to >= snapshot_dates.day_end_at)
    group by all
),

final as (
    select
        snapshot_date::date as snapshot_date,
        street_code::varchar as street_code,
        community_code::varchar as community_code,
        grid_code::varchar as grid_code,
        element_type::varchar as element_type,
        element_subtype::varchar as element_subtype,
        element_level::varchar as element_level,
        element_count::bigint as element_count
    from counted
)

select * from final
