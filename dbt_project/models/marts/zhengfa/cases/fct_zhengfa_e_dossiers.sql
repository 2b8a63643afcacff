-- one row per criminal-case e-dossier (案件) at its newest version, its path police → procuratorate → court
-- and how long each step took, in days
with

dossiers as (
    select * from {{ ref('int_zhengfa_cases__dossiers') }}
),

final as (
    select
        dossier_id::varchar as dossier_id,
        case_name_masked::varchar as case_name,
        charges[1].name::varchar as principal_charge,
        len(charges)::integer as charge_count,
        suspect_count::integer as suspect_count,
        plea_leniency::boolean as plea_leniency,
        current_stage::varchar as current_stage,
        police_case_no::varchar as police_case_no,
        transfer_case_no::varchar as transfer_case_no,
        procuratorate_case_no::varchar as procuratorate_case_no,
        court_case_no::varchar as court_case_no,
        police_filed_at::timestamp as police_filed_at,
        transferred_at::timestamp as transferred_at,
        date_trunc('month', transferred_at)::date as transfer_month,
        procuratorate_accepted_at::timestamp as procuratorate_accepted_at,
        returned_for_investigation_at::timestamp as returned_for_investigation_at,
        not_prosecuted_at::timestamp as not_prosecuted_at,
        indicted_at::timestamp as indicted_at,
        court_filed_at::timestamp as court_filed_at,
        judged_at::timestamp as judged_at,
        (date_diff('second', police_filed_at, transferred_at) / 86400.0)::double as investigation_days,
        (
            date_diff('second', procuratorate_accepted_at, coalesce(indicted_at, not_prosecuted_at)) / 86400.0
        )::double as prosecution_review_days,
        (date_diff('second', court_filed_at, judged_at) / 86400.0)::double as trial_days,
        (date_diff('second', transferred_at, judged_at) / 86400.0)::double as transfer_to_judgment_days,
        total_pages::integer as total_pages,
        dossier_version::integer as dossier_version,
        message_id::varchar as latest_message_id,
        messages::bigint as messages,
        corrections::bigint as corrections,
        last_message_at::timestamp as last_message_at
    from dossiers
)

select * from final
