#!/usr/bin/env bash
# tests/chromium_report.sh — render a diagreport index.html in headless
# Chromium (Debian's `chromium`, from TEST_PKGS) and check that every figure
# loads with a non-zero size; keep a screenshot under $TD_BUILD.
. "$(dirname "$0")/lib.sh"
DR="$TD_BIN/diagreport"
SHOT="$TD_BUILD/diagreport-chromium.png"

if ! command -v chromium >/dev/null 2>&1; then
    not_ok "chromium is not installed (make test installs it: TEST_PKGS in plots/plots.mk)"
    finish
fi
chrome() { # chrome ARGS... : headless, offline, a fresh profile, bounded time
    HOME="$TMP" timeout 120 chromium --headless --no-sandbox --disable-gpu \
        --disable-background-networking --disable-component-update --disable-sync \
        --no-first-run --user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" "$@" 2>/dev/null
}

# a report with curves, findings, a gradcheck figure and (when present) a dump
{ echo "epoch,loss,val_loss,accuracy,val_accuracy"
  for i in $(seq 0 29); do
    awk -v i="$i" 'BEGIN { l = 2*exp(-i/6) + 0.1; v = l + 0.05 + (i > 12 ? (i-12)*0.04 : 0);
      printf "%d,%.5f,%.5f,%.4f,%.4f\n", i, l, v, 1-l/2.2, 1-v/2.4 }'
  done; } >"$TMP/run.csv"
cat >"$TMP/gc.json" <<'JSON'
{"tool": "gradcheck", "layer": "dense", "h": 1e-05,
 "h_sweep": [{"h": 0.1, "max_rel_error": 1e-3}, {"h": 1e-05, "max_rel_error": 1e-9}, {"h": 1e-10, "max_rel_error": 1e-4}],
 "tensors": [{"name": "x <b>", "max_rel_error": 3e-15, "verdict": "correct", "bug": null}], "notes": []}
JSON
inputs=("$TMP/run.csv" "$TMP/gc.json")
[ -f samples/dumps/cnn_dead.h5 ] && inputs+=(samples/dumps/cnn_dead.h5)
run "$DR" --out "$TMP/rep" "${inputs[@]}"
[ "$RC" -le 1 ] && ok "report written (exit $RC)" || not_ok "diagreport failed: $(head -c 300 "$TMP/err")"
nfig=$(ls "$TMP"/rep/fig*.gp | wc -l)
nimg=$(grep -c '<img ' "$TMP/rep/index.html")
[ "$nimg" -eq "$nfig" ] && [ "$nfig" -ge 4 ] && ok "index.html shows all $nfig figures" \
  || not_ok "index.html has $nimg images for $nfig figures"

# check.html: index.html as it is (same images, same img-src policy) plus a
# script that, once the page has loaded, lists each image's natural size
check_page() { # check_page DIR : writes DIR/check.html
    python3 - "$1" <<'PY'
import sys
d = sys.argv[1]
s = open(d + "/index.html", encoding="utf-8").read()
s = s.replace("default-src 'none';", "default-src 'none'; script-src 'unsafe-inline';")
s = s.replace("</body>", """<script>
window.addEventListener('load', function () {
  var out = [];
  document.querySelectorAll('img').forEach(function (im) {
    out.push('IMG ' + im.getAttribute('src') + ' ' + im.naturalWidth + ' ' + im.naturalHeight + ' ' + im.width);
  });
  var pre = document.createElement('pre');
  pre.textContent = '\\n' + out.join('\\n') + '\\nDONE ' + out.length + '\\n';
  document.body.appendChild(pre);
});
</script>
</body>""")
open(d + "/check.html", "w", encoding="utf-8").write(s)
PY
}
cp -r "$TMP/rep" "$TMP/chk"
check_page "$TMP/chk"
chrome --dump-dom "file://$TMP/chk/check.html" >"$TMP/dom.txt"
loaded=$(awk '$1 == "IMG" && $3 > 0 && $4 > 0 && $5 > 0' "$TMP/dom.txt" | wc -l)
grep -q "^DONE $nimg\$" "$TMP/dom.txt" && ok "chromium ran the page to its load event" \
  || not_ok "chromium did not finish the page: $(tail -c 200 "$TMP/dom.txt")"
[ "$loaded" -eq "$nimg" ] && ok "every figure loads with a non-zero size ($loaded of $nimg)" \
  || not_ok "figures that did not load: $(awk '$1 == "IMG" && !($3 > 0 && $4 > 0)' "$TMP/dom.txt")"

# the check can fail: a broken SVG is reported as not loaded
cp -r "$TMP/rep" "$TMP/broken"
printf '<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"><text>\033</text></svg>' >"$TMP/broken/fig01.svg"
check_page "$TMP/broken"
chrome --dump-dom "file://$TMP/broken/check.html" >"$TMP/dom2.txt"
bad=$(awk '$1 == "IMG" && !($3 > 0 && $4 > 0)' "$TMP/dom2.txt")
[ "$(echo "$bad" | grep -c fig01.svg)" -eq 1 ] && [ "$(echo "$bad" | wc -l)" -eq 1 ] \
  && ok "a broken SVG is caught (control check)" || not_ok "broken SVG not caught: '$bad'"

# a screenshot of the real page, kept
rm -f "$SHOT"
chrome --hide-scrollbars --window-size=1000,3000 --screenshot="$SHOT" "file://$TMP/rep/index.html" >/dev/null
if [ "$(head -c 4 "$SHOT" 2>/dev/null | tail -c 3)" = PNG ] && [ "$(stat -c %s "$SHOT")" -gt 20000 ]
then ok "screenshot kept: $SHOT"; else not_ok "no screenshot at $SHOT"; fi
finish
