-- 失驾 model-run log: one row appended per dbt invocation that builds it. An append-only audit trail, so a full
-- refresh must not wipe it (full_refresh = false); "new clues" compares with the clue ids of the previous run.
{{
    config(
        materialized='incremental',
        unique_key='run_id',
        full_refresh=false,
        on_schema_change='append_new_columns'
    )
}}

with

clues as (
    select clue_id from {{ ref('fct_shijia_clues') }}
),

inputs as (
    select
        (select count(*) from {{ ref('stg_zhengfa__correction_subjects') }}) as correction_subjects,
        (select count(*) from {{ ref('stg_zhengfa__driving_licence_statuses') }}) as licence_statuses,
        (select count(*) from {{ ref('stg_zhengfa__traffic_violations') }}) as traffic_violations
),

-- the clue ids of the previous run (none on the first run)
previous as (
    {% if is_incremental() -%}
        select unnest(last_run.clue_ids) as clue_id
        from (
            select clue_ids from {{ this }}
            qualify row_number() over (order by run_at desc, run_id desc) = 1
        ) as last_run
    {%- else -%}
        select null::varchar as clue_id
        where false
    {%- endif %}
),

found as (
    select
        count(*) as clues_found,
        count(*) filter (where clue_id not in (select previous.clue_id from previous)) as new_clues,
        coalesce(list(clue_id order by clue_id), []::varchar[]) as clue_ids
    from clues
),

final as (
    select
        {{ supervision_run_id() }}::varchar as run_id,
        '失驾'::varchar as model_name,
        {{ build_started_at() }} as run_at,
        inputs.correction_subjects::bigint as correction_subjects,
        inputs.licence_statuses::bigint as licence_statuses,
        inputs.traffic_violations::bigint as traffic_violations,
        found.clues_found::bigint as clues_found,
        found.new_clues::bigint as new_clues,
        found.clue_ids::varchar[] as clue_ids
    from inputs
    cross join found
)

select * from final
