#!/usr/bin/env bash
# bench/knowledge/build_corpus.sh OUT_DIR [MIN_ARTICLES]
#
# Turns the Debian manual pages on this machine into Markdown articles
# with front matter (the format `POST /api/v1/articles/import` and
# tools/kb-import.sh take), for the knowledge search benchmark.
#   - English pages (/usr/share/man/man*) become language "en", German
#     translations (/usr/share/man/de) language "de";
#   - sections 2 and 3 (system calls, library) go to the "tech"
#     collection, the rest to "kb"; category = man<section>; product =
#     the section's name;
#   - ".so" stubs (pages that only include another page) are skipped.
# Installs man-db, manpages and manpages-dev with apt-get if missing.
# If fewer than MIN_ARTICLES (default 10000) distinct pages exist, the
# corpus is topped up with copies of pages under a "(copy N)" title, and
# the script says so: the report must be honest about it.
set -euo pipefail
OUT=${1:?usage: build_corpus.sh OUT_DIR [MIN_ARTICLES]}
MIN=${2:-10000}
need=()
command -v man >/dev/null || need+=(man-db)
[ -d /usr/share/man/man2 ] || need+=(manpages-dev)
[ -e /usr/share/man/man7/man.7.gz ] || need+=(manpages)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get install -y --no-install-recommends "${need[@]}"
fi
mkdir -p "$OUT"
if [ -n "$(ls -A "$OUT" 2>/dev/null | head -1)" ]; then
    echo "corpus: $OUT already has $(ls "$OUT" | wc -l) articles (delete it to rebuild)"
    exit 0
fi

# Rendering every page with man(1) costs ~100 ms of groff per page (tens
# of minutes for 20,000 pages); the corpus only needs the words, so the
# troff source (zcat) is turned into Markdown by a small converter:
# .SH/.SS become headings, .B/.I/.BR... their text, .TP/.IP list items,
# font and character escapes are dropped or mapped. Run with KB_USE_MAN=1
# to render through `man -Tutf8 | col -b` instead (slow, same words).
if [ -n "${KB_USE_MAN:-}" ]; then
    render() {
        f=$1; base=$(basename "$f" .gz); lang=en; case "$f" in /usr/share/man/de/*) lang=de ;; esac
        zcat "$f" 2>/dev/null | head -c 200 | grep -q '^\.so ' && return 0
        text=$(MANWIDTH=100 man --nh --nj -l -Tutf8 "$f" 2>/dev/null | col -b || true)
        [ -n "$text" ] || return 0
        printf -- '---\ntitle: "%s"\ncategory: man%s\nlanguage: %s\nvisibility: public\n---\n%s\n' \
            "${base%.*}(${base##*.})" "${base##*.}" "$lang" "$text" > "$OUT/${lang}_${base}.md"
    }
    export -f render; export OUT
    find /usr/share/man/man[1-8] /usr/share/man/de -name '*.gz' -type f | sort |
        xargs -P "$(nproc)" -I{} bash -c 'render "$@"' _ {}
else
python3 - "$OUT" <<'PY'
import gzip, os, re, sys
out = sys.argv[1]
PROD = {"1": "User commands", "2": "System calls", "3": "Library functions", "4": "Devices",
        "5": "File formats", "6": "Games", "7": "Overview", "8": "Administration"}
CHARS = {"em": "-", "en": "-", "aq": "'", "dq": '"', "lq": '"', "rq": '"', "oq": "'", "cq": "'",
         "bu": "*", "co": "(c)", "rg": "(R)", "ti": "~", "ha": "^", "mi": "-", "pl": "+",
         "ua": "a", ":a": "ä", ":o": "ö", ":u": "ü", ":A": "Ä", ":O": "Ö", ":U": "Ü", "ss": "ß"}
def inline(s):
    s = re.sub(r"\\f(\(..|\[[^]]*\]|.)", "", s)
    s = re.sub(r"\\\((..)", lambda m: CHARS.get(m.group(1), ""), s)
    s = re.sub(r"\\\[([^]]*)\]", lambda m: CHARS.get(m.group(1), ""), s)
    s = re.sub(r"\\\*(\(..|\[[^]]*\]|.)", "", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "").replace("\\ ", " ")
    s = re.sub(r"\\[|^%c0dut]", "", s)
    s = re.sub(r"\\s[-+]?\d", "", s)
    return s
def args(s):
    return [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', s)]
n = 0
for root in ["/usr/share/man/man%d" % i for i in range(1, 9)] + ["/usr/share/man/de"]:
    for dp, _, files in os.walk(root):
        for fn in sorted(files):
            if not fn.endswith(".gz"):
                continue
            try:
                src = gzip.open(os.path.join(dp, fn)).read().decode("utf-8", "replace")
            except Exception:
                continue
            if src.lstrip().startswith(".so ") or len(src) < 200:
                continue
            lang = "de" if "/man/de" in dp else "en"
            base = fn[:-3]
            name, _, sec = base.rpartition(".")
            s = sec[:1]
            lines, desc, in_name = [], "", False
            for line in src.split("\n"):
                if line.startswith(('.\\"', "'\\\"", '.\\}')):
                    continue
                if line.startswith((".", "'")):
                    m = re.match(r"[.'](\S+)\s*(.*)", line)
                    if not m:
                        continue
                    req, rest = m.group(1), m.group(2)
                    if req in ("SH", "SS"):
                        h = inline(" ".join(args(rest)))
                        in_name = h.upper() in ("NAME", "BEZEICHNUNG")
                        lines.append("\n%s %s\n" % ("##" if req == "SH" else "###", h))
                    elif req in ("B", "I", "SM", "SB"):
                        lines.append(inline(" ".join(args(rest))))
                    elif req in ("BR", "RB", "IR", "RI", "BI", "IB"):
                        lines.append(inline("".join(args(rest))))
                    elif req in ("TP", "PP", "LP", "P", "sp", "br", "RS", "RE"):
                        lines.append("")
                    elif req == "IP":
                        a = args(rest)
                        lines.append("\n- " + inline(a[0]) if a else "")
                    continue
                t = inline(line)
                if in_name and not desc and t.strip():
                    desc = t.strip().split(" - ", 1)[-1].split(" \\- ", 1)[-1][:150]
                lines.append(t)
            body = "\n".join(lines)
            body = re.sub(r"\n{3,}", "\n\n", body)[:200000]
            if len(body.strip()) < 50:
                continue
            col = "tech" if s in ("2", "3") else "kb"
            title = ("%s(%s) - %s" % (name, sec, desc) if desc else "%s(%s)" % (name, sec)).replace('"', "")
            with open(os.path.join(out, "%s_%s.md" % (lang, base)), "w") as f:
                f.write('---\ntitle: "%s"\ncollection: %s\ncategory: man%s\nproducts: %s\n'
                        'language: %s\nvisibility: public\n---\n%s\n'
                        % (title, col, s, PROD.get(s, "Other"), lang, body))
            n += 1
PY
fi
n=$(ls "$OUT" | wc -l)
echo "corpus: $n distinct man pages rendered into $OUT"
copies=0
i=1
while [ "$n" -lt "$MIN" ]; do
    for f in "$OUT"/*.md; do
        case "$f" in *".copy"*) continue ;; esac
        [ "$n" -ge "$MIN" ] && break
        c="${f%.md}.copy$i.md"
        sed "2s/^title: \"\(.*\)\"$/title: \"\1 (copy $i)\"/" "$f" > "$c"
        n=$((n + 1)); copies=$((copies + 1))
    done
    i=$((i + 1))
done
[ "$copies" -gt 0 ] && echo "corpus: topped up with $copies duplicated pages to reach $MIN"
echo "corpus: $n articles, $(du -sb "$OUT" | cut -f1) bytes"
