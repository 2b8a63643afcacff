-- 平安底数 history: per snapshot day and grid, how many of each safety element were in force at the end of that day.
-- Rebuilt from dated history, not from today's state: key persons from their listing / level history, key places
-- from registration and deregistration, key events open between report and closure.
with

snapshot_dates as (
    select * from {{ ref('int_baseline__snapshot_dates') }}
),

person_levels as (
    select * from {{ ref('dim_key_person_level_history') }}
),

places as (
    select * from {{ ref('dim_key_places') }}
),

events as (
    select * from {{ ref('fct_key_events') }}
),

person_elements as (
    select
        'key_person' as element_type,
        subtype_name as element_subtype,
        control_level_name as element_level,
        street_code,
        community_code,
        grid_code,
        valid_from,
        valid_to
    from person_levels
),

-- the source keeps only a place's current risk level: past snapshots show the best-known (current) level
place_elements as (
    select
        'key_place' as element_type,
        coalesce(place_type_name, place_type_code) as element_subtype,
        coalesce(risk_level, '') as element_level,
        street_code,
        community_code,
        grid_code,
        registered_at as valid_from,
        deregistered_at as valid_to
    from places
),

-- a key event is part of the baseline while it is open (处置中): from its report to its closure
event_elements as (
    select
        'key_event' as element_type,
        coalesce(event_type_name, event_type_code) as element_subtype,
        coalesce(event_level, '') as element_level,
        street_code,
        community_code,
        grid_code,
        reported_at as valid_from,
        closed_at as valid_to
    from events
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
    union all
    -- key components: cameras by their status on the day, from the video registry and its daily status feed
    select
        snapshot_date,
        street_code,
        community_code,
        grid_code,
        element_type,
        element_subtype,
        element_level,
        element_count
    from {{ ref('agg_grid_component_snapshots') }}
)

select * from final
