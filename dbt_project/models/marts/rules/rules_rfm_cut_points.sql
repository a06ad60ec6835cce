{#- marts.rfm_cut_points: the rules seed rfm_cut_points as published (every version; is_active for D). -#}
{{ published_rule_seed('rfm_cut_points') }}
