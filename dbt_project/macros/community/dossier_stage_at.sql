{#- When a dossier first reached STAGE: the `at` of the first matching item of its parsed stages list
    (null when the dossier has not reached it). -#}
{% macro dossier_stage_at(stages, stage) -%}
    list_filter({{ stages }}, s -> s.stage = '{{ stage }}')[1].at
{%- endmacro %}
