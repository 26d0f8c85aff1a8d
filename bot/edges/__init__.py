"""The edge: every input from Meta, Slack or a browser is checked for shape and type here, before domain code.

`shape` holds the small vocabulary the checks are written in; `safe_json` parses JSON with a depth limit;
`ids` turns typed-in or clicked ids into integers SQLite can take; `meta` checks webhook changes; `slack` checks
Slack requests (timestamp, signature, body) and payloads; `http` covers what every HTTP route shares.
"""
