#!/bin/sh
# office-to-pdf, inside its throw-away compartment (see core/sanitise/office-to-pdf.ts): LibreOffice
# converts the untrusted document to PDF, with a fresh profile in the private /tmp (so its default
# macro security holds: no macro of the document runs), and the PDF goes out on stdout, for
# pdf-rasterise to render in a compartment of its own.
# The page limit is applied as early as LibreOffice allows: it exports at most MAX_PAGES + 1 pages
# (its PDF filter's PageRange; it still lays out the whole document to count them), and a PDF of
# more than MAX_PAGES is refused here (exit 66), before it leaves and before anything renders it.
# Usage: sh office-convert.sh /in/document.EXT MAX_PAGES
set -u
max=$2
mkdir -p /tmp/out || exit 70
soffice --headless --invisible --norestore --nologo --nodefault --nolockcheck \
  '-env:UserInstallation=file:///tmp/profile' \
  --convert-to "pdf:writer_pdf_Export:{\"PageRange\":{\"type\":\"string\",\"value\":\"1-$((max + 1))\"}}" \
  --outdir /tmp/out "$1" >&2 || exit $?
name=$(basename "$1")
pdf="/tmp/out/${name%.*}.pdf"
if [ ! -s "$pdf" ]; then
  echo 'LibreOffice wrote no PDF: it does not read this document' >&2
  exit 65
fi
# The count is parsed as a number, here and again outside; a PDF pdfinfo cannot read goes on to
# pdf-rasterise, which refuses it with poppler's words.
pages=$(pdfinfo "$pdf" 2>/dev/null | sed -n 's/^Pages: *\([0-9][0-9]*\) *$/\1/p')
if [ -n "$pages" ] && [ "$pages" -gt "$max" ]; then
  echo "pages over $max" >&2
  exit 66
fi
cat "$pdf"
