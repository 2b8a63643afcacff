-- one row per registered volunteer (re-registrations collapsed in staging); the person is a keyed pseudonym
with

volunteers as (
    select * from {{ ref('stg_zhengfa__volunteers') }}
),

final as (
    select
        volunteer_id::varchar as volunteer_id,
        person_key::varchar as person_key,
        team::varchar as team,
        grid_code::varchar as grid_code,
        community_code::varchar as community_code,
        street_code::varchar as street_code,
        registered_at::timestamp as registered_at
    from volunteers
)

select * from final
