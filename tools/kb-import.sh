#!/usr/bin/env bash
# tools/kb-import.sh DIR URL TOKEN - bulk import a folder of Markdown files
# with front matter into the knowledge base (docs/knowledge.md), one file
# per request to POST URL/api/v1/articles/import, authenticated with an
# API token of a knowledge editor (Authorization: Bearer TOKEN; token
# requests need no CSRF token). Each file is all-or-nothing; the script
# goes on after a failure and exits 1 if any file failed.
#   tools/kb-import.sh docs-export https://portal.example.com "$TOKEN"
# Set KB_IMPORT_INSECURE=1 to accept a self-signed certificate (test portals).
set -uo pipefail
DIR=${1:?usage: kb-import.sh DIR URL TOKEN}
URL=${2:?usage: kb-import.sh DIR URL TOKEN}
TOKEN=${3:?usage: kb-import.sh DIR URL TOKEN}
k=(); [ -n "${KB_IMPORT_INSECURE:-}" ] && k=(-k)
ok=0; bad=0
while IFS= read -r -d '' f; do
    out=$(curl -sS "${k[@]}" -o /dev/stderr -w '%{http_code}' \
        -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json' \
        -F "file=@$f;type=text/markdown" "${URL%/}/api/v1/articles/import" 2>/tmp/kb-import.$$)
    if [ "$out" = 201 ]; then
        ok=$((ok + 1))
    else
        bad=$((bad + 1))
        echo "FAILED ($out) $f: $(cat /tmp/kb-import.$$)" >&2
    fi
done < <(find "$DIR" -type f \( -name '*.md' -o -name '*.markdown' \) -print0 | sort -z)
rm -f /tmp/kb-import.$$
echo "imported $ok file(s), $bad failed"
[ "$bad" -eq 0 ]
