{#- 视频在线率: online camera-days ÷ camera-days reported (a fault or an offline day is not online), as a fraction. -#}
{% macro video_online_rate(online, reporting) -%}
    ({{ online }}::double / nullif({{ reporting }}, 0))
{%- endmacro %}
