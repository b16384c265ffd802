#!/bin/sh
# A CI step for any runner that can reach the servers (GitLab CI, Jenkins, Azure Pipelines, ...).
# Keep out/ as the job's artifact. SIGNING_KEY_FILE: the path of a file-type secret holding the
# signing key. Exit: the scan's status (0 compliant, 1 not compliant, 2-4 could not scan).
set -u
hatls validate hatls/inventory.toml || exit 2
mkdir -p out
hatls scan hatls/inventory.toml --json out/report.json --html out/report.html
status=$?
if [ -f out/report.json ]; then
    hatls sign out/report.json --key "$SIGNING_KEY_FILE" --cert hatls/signer.pem || exit 3
fi
exit "$status"
