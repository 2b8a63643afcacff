-- A table, incremental, like the tickets it rates: a daily run reads only the new batches.
{{ config(
    materialized='incremental',
    unique_key='rating_id',
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
) }}

with

bronze as (
    {{ committed_bronze('bronze_minyi', 'ratings') }}
    {{ new_bronze() }}
),

renamed as (
    select
        rating_id,
        ticket_id,
        visit_round,
        visit_method,
        -- the number the visit rang is the caller's: a keyed pseudonym only
        pseudonymize(callback_phone) as callback_key,
        satisfaction,
        resolved as is_resolved,
        comment,
        rated_at,
        updated_at,
        _ingested_at as ingested_at
    from bronze
),

latest as (
    {{ demand_keep_latest('renamed', 'rating_id', 'updated_at desc, ingested_at desc') }}
)

-- the columns of renamed (demand_keep_latest selects them with *)
select * from latest  -- noqa: AM04
