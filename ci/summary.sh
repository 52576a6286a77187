#!/usr/bin/env bash
# Prints every result line of FILE and the closing "N passed, N failed, N skipped" line.
# Exit status 1 if any test failed or none passed.
set -euo pipefail
file=$1
sed -e 's/^ok /  PASS  /' -e 's/^not ok /  FAIL  /' -e 's/^skip /  SKIP  /' "$file"
passed=$(grep -c '^ok ' "$file" || true)
failed=$(grep -c '^not ok ' "$file" || true)
skipped=$(grep -c '^skip ' "$file" || true)
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
