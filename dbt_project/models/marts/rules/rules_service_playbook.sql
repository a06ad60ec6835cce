{#- marts.service_playbook: the rules seed service_playbook as published (every version; is_active for D). -#}
{{ published_rule_seed('service_playbook') }}
