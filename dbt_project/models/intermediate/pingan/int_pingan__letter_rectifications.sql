-- one row per reminder letter with its rectification rounds: how many, how many failed review, when it passed
with

rounds as (
    select * from {{ ref('stg_pingan__rectifications') }}
),

per_letter as (
    select
        letter_id,
        count(*) as rounds,
        count(*) filter (where review_result = '不通过') as failed_reviews,
        min(submitted_at) as first_submitted_at,
        max(submitted_at) as last_submitted_at,
        min(reviewed_at) filter (where review_result = '通过') as passed_at,
        arg_max(review_result, round_no) as last_review_result
    from rounds
    group by letter_id
)

select * from per_letter
