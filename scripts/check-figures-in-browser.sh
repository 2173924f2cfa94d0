#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The figure pages as a reader sees them: renders each committed index page
# (results/harness/figures/index.html, results/harness/figures/device16/
# index.html, results/bytes/figures/index.html, results/schemes/figures/
# index.html when there is one) in headless
# Chromium at a 1280-pixel-wide window and saves a screenshot of the whole
# page, then cuts it into 1280x1600 tiles (what one screen shows, in the
# order a reader scrolls), to look at with any image viewer.
#
#   scripts/check-figures-in-browser.sh [OUTDIR] [PAGE.html...]
#
# OUTDIR: default build/figure-screenshots/ (never the source tree).  PAGEs:
# default the pages above.  Writes OUTDIR/<page>.png (the full page) and
# OUTDIR/<page>-NN.png (the tiles; needs python3-pil, which
# python3-matplotlib pulls in), where <page> is the page's path with / as -.
# Also checks what can be checked without eyes: every image on the page
# loaded (none broken), and no figure caption is repeated in the page's
# text (the caption is in the image).  Exit 1 on such a defect, 78 when no
# Chromium is installed (Debian 12: `apt-get install -y chromium`; or name
# one with CHROMIUM=).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/figure-screenshots}
shift || true
case "$(realpath -m "$out")/" in
"$(realpath .)/results/"* | "$(realpath .)/scripts/"*)
    echo "check-figures-in-browser: $out is in the source tree; give a directory under build/ or /tmp" >&2
    exit 2
    ;;
esac
CHROMIUM=${CHROMIUM:-}
if [ -z "$CHROMIUM" ]; then
    for c in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$c" >/dev/null 2>&1; then
            CHROMIUM=$(command -v "$c")
            break
        fi
    done
fi
if [ -z "$CHROMIUM" ] || ! [ -x "$CHROMIUM" ]; then
    echo "check-figures-in-browser: no Chromium here; install it (Debian 12: sudo apt-get install -y chromium)" \
        "or name one with CHROMIUM=; skipped" >&2
    exit 78
fi
PY=${PYTHON:-/usr/bin/python3}
if [ $# -gt 0 ]; then
    pages=("$@")
else
    pages=()
    for p in results/harness/figures/index.html results/harness/figures/device16/index.html \
        results/bytes/figures/index.html results/schemes/figures/index.html; do
        [ -f "$p" ] && pages+=("$p")
    done
fi
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
W=1280
fail=0
shoot() { # url window-height png
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$work/profile" --force-device-scale-factor=1 --window-size="$W,$2" \
        --virtual-time-budget=10000 --screenshot="$3" "$1" >"$work/log" 2>&1 ||
        { sed 's/^/    | /' "$work/log" >&2; return 1; }
}
for page in "${pages[@]}"; do
    [ -f "$page" ] || { echo "check-figures-in-browser: $page: no such file" >&2; fail=1; continue; }
    abs=$(realpath "$page")
    name=$(echo "${page%.html}" | sed 's|^/*||' | tr '/' '-')
    # The page's height and its broken images, measured in a copy under the
    # work directory that only adds a <base> (so every relative link
    # resolves as in the page) and a script.
    probe="$work/probe.html"
    sed -e "s|<head>|<head><base href=\"file://$(dirname "$abs")/\">|" \
        -e 's|</body>|<script>window.addEventListener("load",function(){var b=[];for(const i of document.images){if(!i.complete\|\|i.naturalWidth===0)b.push(i.getAttribute("src"))}document.body.setAttribute("data-lfmap-probe",document.documentElement.scrollHeight+" "+b.join(","))})</script></body>|' \
        "$abs" >"$probe"
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$work/profile" --force-device-scale-factor=1 --window-size="$W,1600" \
        --allow-file-access-from-files --virtual-time-budget=10000 --dump-dom "file://$probe" \
        >"$work/dom" 2>"$work/log" || true
    m=$(sed -n 's/.*data-lfmap-probe="\([^"]*\)".*/\1/p' "$work/dom" | head -n 1)
    h=${m%% *}
    broken=${m#* }
    [ "$broken" = "$m" ] && broken=
    if [ -z "$h" ]; then
        echo "check-figures-in-browser: $page: Chromium did not render it:" >&2
        sed 's/^/    | /' "$work/log" >&2
        fail=1
        continue
    fi
    if [ -n "$broken" ]; then
        echo "FAIL: $page: images that did not load: $broken"
        fail=1
    fi
    png="$out/$name.png"
    shoot "file://$abs" "$h" "$png" || { echo "FAIL: $page: no screenshot"; fail=1; continue; }
    # The caption lives in the image: the page's text must not repeat it.
    "$PY" - "$abs" <<'EOF' || fail=1
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
text = html.unescape(re.sub(r"<[^>]+>", " ", page))
if 'class="cap"' in page:
    print("FAIL: %s: a caption paragraph (class=\"cap\") repeats the image's caption" % sys.argv[1])
    sys.exit(1)
if re.search(r"median of repetitions, error bars min\.\.max", text):
    print("FAIL: %s: a figure caption is repeated in the page's text" % sys.argv[1])
    sys.exit(1)
EOF
    # Tiles of one screen each, to look at one by one.
    "$PY" - "$png" "$W" <<'EOF' || true
import sys
try:
    from PIL import Image
except ImportError:
    sys.exit(0)
Image.MAX_IMAGE_PIXELS = None
p, w = sys.argv[1], int(sys.argv[2])
im = Image.open(p)
n = 0
for y in range(0, im.height, 1600):
    n += 1
    im.crop((0, y, im.width, min(im.height, y + 1600))).save(p[:-4] + "-%02d.png" % n)
print("%s: %dx%d, %d tiles" % (p, im.width, im.height, n))
EOF
done
[ $fail -eq 0 ] && echo "check-figures-in-browser: ${#pages[@]} page(s) in $out"
exit $fail
