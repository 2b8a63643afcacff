-- the current state of each e-dossier: its newest version (a correction 更正 is a later version than the message
-- it replaces), with the stage instants read from that version's stages and what the exchange delivered overall
with

-- the columns used, named: the suspects' pseudonyms (a UDF call each) and the documents (the bulk of a
-- message) are then never read
messages as (
    select
        message_id,
        message_type,
        sent_at,
        dossier_id,
        case_name_masked,
        police_case_no,
        transfer_case_no,
        procuratorate_case_no,
        court_case_no,
        charges,
        suspect_count,
        plea_leniency,
        current_stage,
        stages,
        total_pages,
        dossier_version
    from {{ ref('stg_zhengfa_files__dossier_messages') }}
),

-- one pass over the messages (a second reference would make DuckDB materialise them): the newest version per
-- dossier, with counts over all of its messages
latest as (
    select
        *,
        count(*) over (partition by dossier_id) as messages,
        count(*) filter (where message_type = '更正') over (partition by dossier_id) as corrections,
        max(sent_at) over (partition by dossier_id) as last_message_at
    from messages
    {{ latest_by('dossier_id', 'dossier_version desc, sent_at desc, message_id desc') }}
),

staged as (
    select
        latest.*,
        {{ dossier_stage_at('latest.stages', '公安立案') }} as police_filed_at,
        {{ dossier_stage_at('latest.stages', '移送审查起诉') }} as transferred_at,
        {{ dossier_stage_at('latest.stages', '检察院受理') }} as procuratorate_accepted_at,
        {{ dossier_stage_at('latest.stages', '退回补充侦查') }} as returned_for_investigation_at,
        {{ dossier_stage_at('latest.stages', '不起诉') }} as not_prosecuted_at,
        {{ dossier_stage_at('latest.stages', '提起公诉') }} as indicted_at,
        {{ dossier_stage_at('latest.stages', '法院立案') }} as court_filed_at,
        {{ dossier_stage_at('latest.stages', '一审判决') }} as judged_at
    from latest
),

final as (
    select
        staged.message_id,
        staged.dossier_id,
        staged.case_name_masked,
        staged.police_case_no,
        staged.transfer_case_no,
        staged.procuratorate_case_no,
        staged.court_case_no,
        staged.charges,
        staged.suspect_count,
        staged.plea_leniency,
        staged.current_stage,
        staged.total_pages,
        staged.dossier_version,
        staged.police_filed_at,
        staged.transferred_at,
        staged.procuratorate_accepted_at,
        staged.returned_for_investigation_at,
        staged.not_prosecuted_at,
        staged.indicted_at,
        staged.court_filed_at,
        staged.judged_at,
        staged.messages,
        staged.corrections,
        staged.last_message_at
    from staged
)

select * from final
