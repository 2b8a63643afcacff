-- one row per key-person listing (current state), pseudonymised: no ID, name, phone or address in clear
with

persons as (
    select * from {{ ref('stg_pingan__key_persons') }}
),

level_history as (
    select * from {{ ref('dim_key_person_level_history') }}
),

codes as (
    select * from {{ ref('dim_safety_codes') }}
),

per_person as (
    select
        person_id,
        count(*) - 1 as level_changes,
        max(valid_from) filter (where level_seq > 1) as last_level_change_at,
        bool_or(is_corrected) as has_corrected_level
    from level_history
    group by person_id
),

final as (
    select
        persons.person_id::varchar as person_id,
        persons.citizen_id_key::varchar as citizen_id_key,
        persons.subtype_code::varchar as subtype_code,
        subtypes.name::varchar as subtype_name,
        persons.control_level_code::varchar as control_level_code,
        control_levels.name::varchar as control_level_name,
        persons.street_code::varchar as street_code,
        persons.community_code::varchar as community_code,
        persons.grid_code::varchar as grid_code,
        persons.status::varchar as status,
        (persons.status = '在册')::boolean as is_listed,
        persons.entered_at::timestamp as listed_at,
        persons.entered_at::date as listed_date,
        persons.left_at::timestamp as delisted_at,
        persons.left_at::date as delisted_date,
        coalesce(per_person.level_changes, 0)::bigint as level_changes,
        per_person.last_level_change_at::timestamp as last_level_change_at,
        coalesce(per_person.has_corrected_level, false)::boolean as has_corrected_level,
        persons.correction_subject_id::varchar as correction_subject_id,
        persons.execution_type::varchar as execution_type,
        persons.crime::varchar as crime,
        persons.sentence_months::integer as sentence_months,
        persons.correction_start::date as correction_start,
        persons.correction_end::date as correction_end,
        persons.release_date::date as release_date,
        persons.danger_level::integer as danger_level,
        persons.drug_type::varchar as drug_type,
        persons.updated_at::timestamp as updated_at
    from persons
    left join per_person on persons.person_id = per_person.person_id
    left join codes as subtypes
        on subtypes.code_type = 'person_subtype' and persons.subtype_code = subtypes.code
    left join codes as control_levels
        on control_levels.code_type = 'control_level' and persons.control_level_code = control_levels.code
)

select * from final
