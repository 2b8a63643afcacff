-- the 失驾 clue list: one row per violation the rule flags (logic and its unit tests: int_supervision__shijia_clues)
with

clues as (
    select * from {{ ref('int_supervision__shijia_clues') }}
),

-- the registry names the model; the clue list points at it so a dashboard can list clues per model
model as (
    select model_id from {{ ref('dim_supervision_models') }}
    where model_name = '失驾'
),

final as (
    select
        clues.clue_id::varchar as clue_id,
        model.model_id::varchar as model_id,
        clues.subject_id::varchar as subject_id,
        clues.subject_key::varchar as subject_key,
        clues.execution_type::varchar as execution_type,
        clues.correction_start::date as correction_start,
        clues.correction_end::date as correction_end,
        clues.street_code::varchar as street_code,
        clues.community_code::varchar as community_code,
        clues.violation_id::varchar as violation_id,
        clues.violation_at::timestamp as violation_at,
        clues.violation_place::varchar as violation_place,
        clues.device_id::varchar as device_id,
        clues.violation_street_code::varchar as violation_street_code,
        clues.violation_code::varchar as violation_code,
        clues.violation_desc::varchar as violation_desc,
        clues.violation_points::integer as violation_points,
        clues.violation_status::varchar as violation_status,
        clues.plate_key::varchar as plate_key,
        clues.licence_record_id::varchar as licence_record_id,
        clues.licence_status::varchar as licence_status,
        clues.licence_status_from::date as licence_status_from,
        clues.licence_status_to::date as licence_status_to,
        clues.licence_status_reason::varchar as licence_status_reason,
        clues.clue_status::varchar as clue_status,
        clues.disposal::varchar as disposal
    from clues
    left join model on true
)

select * from final
