-- one row per check-in on a night patrol, placed in its patrol's area and night. Append-mostly, so incremental
-- (as fct_volunteer_points); check-ins on patrols that are not in staging (quarantined) are left out.
{{
    config(
        materialized='incremental',
        unique_key='participation_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with

participations as (
    select * from {{ ref('stg_zhengfa__patrol_participations') }}
    {% if is_incremental() -%}
        where
            {{ arrived_since_last_run('ingested_at') }}
            or participation_id not in (select this.participation_id from {{ this }} as this)
    {%- endif %}
),

patrols as (
    select
        patrol_id,
        grid_code,
        community_code,
        street_code,
        start_at
    from {{ ref('stg_zhengfa__night_patrols') }}
),

final as (
    select
        participations.participation_id::varchar as participation_id,
        participations.patrol_id::varchar as patrol_id,
        participations.volunteer_id::varchar as volunteer_id,
        participations.role::varchar as role,
        participations.checked_in_at::timestamp as checked_in_at,
        -- a patrol's night is the day it started (check-ins come minutes before)
        patrols.start_at::date as patrol_date,
        date_trunc('month', patrols.start_at)::date as patrol_month,
        patrols.street_code::varchar as street_code,
        patrols.community_code::varchar as community_code,
        patrols.grid_code::varchar as grid_code,
        participations.ingested_at::timestamp as ingested_at
    from participations
    inner join patrols on participations.patrol_id = patrols.patrol_id
)

select * from final
