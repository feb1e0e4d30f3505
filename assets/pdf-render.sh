#!/bin/sh
# pdf-rasterise, inside its throw-away compartment (see core/sanitise/pdf-rasterise.ts): tells the
# broker what it checks first (encryption, page count, page sizes), then streams every page as a
# PPM image on stdout, in order. The document is untrusted; nothing read from it is ever run or
# used as a name: the renderer's reports are parsed as numbers by sed, here and again outside.
# Usage: sh pdf-render.sh DPI MAX_PAGES [DOCUMENT] (default /in/document.pdf; scratch in $TMPDIR).
set -u
dpi=$1
max=$2
doc=${3:-/in/document.pdf}
tmp=${TMPDIR:-/tmp}

if ! pdfinfo "$doc" >"$tmp/info" 2>"$tmp/err"; then
  # Encrypted with a user password: poppler cannot even open it.
  if grep -q 'Incorrect password' "$tmp/err"; then echo 'encrypted yes'; else echo 'unreadable'; fi
  head -c 4096 "$tmp/err" >&2
  exit 0
fi
pages=$(sed -n 's/^Pages: *\([0-9][0-9]*\) *$/\1/p' "$tmp/info")
encrypted=$(sed -n 's/^Encrypted: *\([a-z]*\).*/\1/p' "$tmp/info")
echo "pages ${pages:-0}"
echo "encrypted ${encrypted:-unknown}"
# Refusals are the broker's to word; here they only stop the work early.
[ "$encrypted" = no ] || exit 0
[ -n "$pages" ] && [ "$pages" -ge 1 ] && [ "$pages" -le "$max" ] || exit 0
pdfinfo -f 1 -l "$pages" "$doc" 2>/dev/null |
  sed -n 's/^Page *\([0-9][0-9]*\) size: *\([0-9.][0-9.]*\) x \([0-9.][0-9.]*\) pts.*/size \1 \2 \3/p'
echo 'render'

# Every page file pdftoppm writes is a link to its own stdout, a pipe to cat (a pipe of this
# compartment's account, which the renderer may reopen): the pages reach the broker in order and
# are never written anywhere. A page the renderer skips is simply missing, and the broker counts.
page() { printf '%s/page-%0*d.ppm' "$tmp" "${#pages}" "$1"; }
i=1
while [ "$i" -le "$pages" ]; do ln -s /proc/self/fd/1 "$(page "$i")" || exit 70; i=$((i + 1)); done
{
  pdftoppm -r "$dpi" -f 1 -l "$pages" "$doc" "$tmp/page"
  echo "$?" >"$tmp/status"
} | cat
exit "$(cat "$tmp/status")"
