-- one row per point credit, placed in its activity's area. Append-mostly and the biggest S8 input, so incremental:
-- a run takes the records it has not seen (or that changed since the last batch it holds); credits of activities
-- that are not in staging (quarantined) are left out until their activity arrives.
{{
    config(
        materialized='incremental',
        unique_key='record_id',
        incremental_strategy='delete+insert',
        on_schema_change='append_new_columns'
    )
}}

with

points as (
    select * from {{ ref('stg_zhengfa__volunteer_points') }}
    {% if is_incremental() -%}
        where
            {{ arrived_since_last_run('ingested_at') }}
            or record_id not in (select this.record_id from {{ this }} as this)
    {%- endif %}
),

activities as (
    select
        activity_id,
        grid_code,
        community_code,
        street_code
    from {{ ref('stg_zhengfa__volunteer_activities') }}
),

final as (
    select
        points.record_id::varchar as record_id,
        points.activity_id::varchar as activity_id,
        points.volunteer_id::varchar as volunteer_id,
        activities.street_code::varchar as street_code,
        activities.community_code::varchar as community_code,
        activities.grid_code::varchar as grid_code,
        points.hours::double as hours,
        points.points::bigint as points,
        points.issued_at::timestamp as issued_at,
        date_trunc('month', points.issued_at)::date as issued_month,
        points.ingested_at::timestamp as ingested_at
    from points
    inner join activities on points.activity_id = activities.activity_id
)

select * from final
