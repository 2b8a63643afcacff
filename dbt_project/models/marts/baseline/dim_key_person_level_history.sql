-- one row per key person and control-level interval [valid_from, valid_to) within the listing, rebuilt from the
-- listing history: 列管 / 等级调整 set a level from their date on; a late 更正 restates the level of the change it
-- corrects (the level was keyed wrong, so past snapshots show the corrected level); the listing ends at de-listing
with

-- read once: the person's listing bounds and area are needed twice
persons as materialized (
    select
        person_id,
        subtype_code,
        control_level_code,
        street_code,
        community_code,
        grid_code,
        entered_at,
        left_at
    from {{ ref('stg_pingan__key_persons') }}
),

changes as (
    select * from {{ ref('stg_pingan__key_person_changes') }}
),

codes as (
    select * from {{ ref('dim_safety_codes') }}
),

settings as (
    select
        person_id,
        history_id,
        changed_at,
        to_level_code
    from changes
    where change_type in ('列管', '等级调整') and to_level_code is not null
),

corrections as (
    select
        person_id,
        changed_at as corrected_at,
        to_level_code
    from changes
    where change_type = '更正' and to_level_code is not null
),

-- a correction fixes the latest level setting at or before it
corrected as (
    select
        settings.history_id,
        corrections.to_level_code,
        corrections.corrected_at
    from corrections
    asof inner join settings
        on
            corrections.person_id = settings.person_id
            and corrections.corrected_at >= settings.changed_at
    qualify row_number() over (partition by settings.history_id order by corrections.corrected_at desc) = 1
),

restated as (
    select
        settings.person_id,
        settings.history_id,
        settings.changed_at,
        coalesce(corrected.to_level_code, settings.to_level_code) as control_level_code,
        corrected.corrected_at
    from settings
    left join corrected on settings.history_id = corrected.history_id
),

-- a listing without any level history keeps its current level for the whole listing
unhistoried as (
    select
        persons.person_id,
        null::varchar as history_id,
        persons.entered_at as changed_at,
        persons.control_level_code,
        null::timestamp as corrected_at
    from persons
    anti join restated on persons.person_id = restated.person_id
),

levels as (
    select * from restated
    union all
    select * from unhistoried
),

intervals as (
    select
        person_id,
        history_id,
        control_level_code,
        corrected_at,
        changed_at,
        row_number() over (partition by person_id order by changed_at, history_id) as level_seq,
        lead(changed_at) over (partition by person_id order by changed_at, history_id) as level_to
    from levels
),

-- changes of listings not in staging (quarantined, duplicates) fall out at this join
clipped as (
    select
        intervals.person_id,
        intervals.level_seq,
        intervals.history_id,
        persons.subtype_code,
        intervals.control_level_code,
        intervals.corrected_at,
        persons.street_code,
        persons.community_code,
        persons.grid_code,
        -- the first level holds from the listing on, whatever the first history row's time
        case
            when intervals.level_seq = 1 then least(intervals.changed_at, persons.entered_at)
            else greatest(intervals.changed_at, persons.entered_at)
        end as valid_from,
        case
            when persons.left_at is null then intervals.level_to
            when intervals.level_to is null then persons.left_at
            else least(intervals.level_to, persons.left_at)
        end as valid_to
    from intervals
    inner join persons on intervals.person_id = persons.person_id
),

final as (
    select
        clipped.person_id::varchar as person_id,
        clipped.level_seq::bigint as level_seq,
        clipped.history_id::varchar as history_id,
        clipped.subtype_code::varchar as subtype_code,
        coalesce(subtypes.name, clipped.subtype_code)::varchar as subtype_name,
        clipped.control_level_code::varchar as control_level_code,
        coalesce(control_levels.name, clipped.control_level_code, '')::varchar as control_level_name,
        (clipped.corrected_at is not null)::boolean as is_corrected,
        clipped.corrected_at::timestamp as corrected_at,
        clipped.street_code::varchar as street_code,
        clipped.community_code::varchar as community_code,
        clipped.grid_code::varchar as grid_code,
        clipped.valid_from::timestamp as valid_from,
        clipped.valid_to::timestamp as valid_to
    from clipped
    left join codes as subtypes
        on subtypes.code_type = 'person_subtype' and clipped.subtype_code = subtypes.code
    left join codes as control_levels
        on control_levels.code_type = 'control_level' and clipped.control_level_code = control_levels.code
    -- levels set after de-listing, or replaced at the same moment, never held
    where clipped.valid_to is null or clipped.valid_to > clipped.valid_from
)

select * from final
