#!/usr/bin/env bash
# bench/knowledge/run.sh [CORPUS_DIR] - the knowledge search benchmark.
# Builds the corpus (build_corpus.sh, >= 10,000 man-page articles) if
# needed, loads it into a fresh LMDB store through the plugin's own
# article/index code (kbbench load), loads the same articles into SQLite
# FTS5 with Debian's sqlite3 CLI, runs the query mix (queries.tsv) on both
# and prints the comparison, e.g.
#   knowledge search_p50_us 85 sqlite_fts5_p50_us 120
# Called by the top-level `make bench`; BUILD selects the build folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
CORPUS=${1:-${KB_CORPUS:-/tmp/portico-kb-corpus}}
WORK=${KB_WORK:-$(mktemp -d /tmp/portico-kb-bench.XXXXXX)}
mkdir -p "$WORK"
REPS=${KB_REPS:-20}
command -v sqlite3 >/dev/null || { SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo; $SUDO apt-get install -y sqlite3; }
make -s BUILD="$BUILD" "$BUILD/libportico.a" >/dev/null
CFLAGS="-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-unused-parameter -O2 -g -Icore/include -Icore $(pkg-config --cflags libevent lmdb lua5.4 msgpack jansson libcurl)"
LIBS="$(pkg-config --libs libevent lmdb lua5.4 msgpack jansson libcurl libargon2) -lz -lmbedtls -lmbedx509 -lmbedcrypto -lhttp_parser -lpthread -ldl -lm $(pkg-config --libs libcmark-gfm) -lstemmer -lsqlite3"
# shellcheck disable=SC2086
cc $CFLAGS -rdynamic -o "$WORK/kbbench" bench/knowledge/kbbench.c plugins/knowledge/*.c \
   -Wl,--whole-archive "$BUILD/libportico.a" -Wl,--no-whole-archive $LIBS
bash bench/knowledge/build_corpus.sh "$CORPUS" 10000 >&2
"$WORK/kbbench" load "$WORK/lmdb" "$CORPUS" > "$WORK/load.txt"
"$WORK/kbbench" csv "$CORPUS" "$WORK/corpus.csv"
sqlite3 "$WORK/fts.db" <<SQL
CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61');
CREATE TEMP TABLE staging(title, body);
.mode csv
.import $WORK/corpus.csv staging
INSERT INTO docs SELECT title, body FROM staging;
INSERT INTO docs(docs) VALUES('optimize');
SQL
"$WORK/kbbench" query "$WORK/lmdb" bench/knowledge/queries.tsv "$REPS" > "$WORK/ours.txt"
"$WORK/kbbench" sqlite "$WORK/fts.db" bench/knowledge/queries.tsv "$REPS" > "$WORK/sqlite.txt"
val() { awk -v k="$1" '$1==k{print $2}' "$WORK"/load.txt "$WORK"/ours.txt "$WORK"/sqlite.txt; }
idx=0
ps=$(mdb_stat -e "$WORK/lmdb" | awk '/Page size/{print $3}')
for d in idx_post idx_dict idx_docs idx_acl idx_meta; do
    b=$(mdb_stat -s "knowledge.$d" "$WORK/lmdb" | awk -v ps="$ps" '/Branch pages|Leaf pages|Overflow pages/{p+=$3} END{print p*ps}')
    idx=$((idx + b))
done
fts_idx=$(sqlite3 "$WORK/fts.db" "SELECT sum(length(block)) FROM docs_data;")
fts_file=$(stat -c %s "$WORK/fts.db")
text=$(val text_bytes)
echo "knowledge articles $(val load_articles) text_bytes $text load_seconds $(val load_seconds)"
echo "knowledge search_p50_us $(val knowledge_search_p50_us) sqlite_fts5_p50_us $(val sqlite_fts5_p50_us)"
echo "knowledge search_p99_us $(val knowledge_search_p99_us) sqlite_fts5_p99_us $(val sqlite_fts5_p99_us)"
echo "knowledge index_bytes $idx sqlite_fts5_index_bytes $fts_idx sqlite_file_bytes $fts_file"
awk -v i="$idx" -v f="$fts_idx" -v t="$text" 'BEGIN{printf "knowledge index_to_text %.2f sqlite_fts5_index_to_text %.2f\n", i/t, f/t}'
[ -n "${KB_KEEP:-}" ] || rm -rf "$WORK"
