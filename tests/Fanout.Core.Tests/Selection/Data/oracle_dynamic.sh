#!/bin/sh
# Oracle dynamic inventory: prints Ansible's script-inventory JSON.
if [ "$1" = "--list" ]; then
  cat <<'JSON'
{
  "webservers": {"hosts": ["dyn-web1", "dyn-web2", "dyn-web3"], "vars": {"http_port": 80}},
  "dbservers": ["dyn-db1", "dyn-db2"],
  "prod": {"children": ["webservers", "dbservers"]},
  "lonely": {"ansible_host": "10.1.1.1"},
  "_meta": {"hostvars": {"dyn-web1": {"ansible_host": "10.0.0.11"}, "dyn-db1": {"ansible_port": 5433, "tags": ["a", "b"]}}}
}
JSON
else
  echo '{}'
fi
