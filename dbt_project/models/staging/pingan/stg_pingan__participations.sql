with

bronze as (
    {{ committed_bronze('bronze_pingan', 'participations') }}
),

latest as (
    select *
    from bronze
    {{ latest_by('participation_id', 'updated_at desc, _ingested_at desc') }}
),

-- one sign-in per volunteer and activity: a second one would count the same hours twice
deduplicated as (
    select *
    from latest
    {{ pingan_first_by_business_key(['activity_id', 'volunteer_id'], 'checkin_at, participation_id') }}
),

renamed as (
    select
        participation_id,
        activity_id,
        -- the volunteer's name and phone are dropped: volunteer_id links to the pseudonymised volunteer
        volunteer_id,
        checkin_at,
        checkout_at,
        service_hours,
        confirmed_at,
        created_at,
        updated_at,
        _batch_id as batch_id,
        _ingested_at as ingested_at
    from deduplicated
)

select * from renamed
