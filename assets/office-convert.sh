#!/bin/sh
# office-to-pdf, inside its throw-away compartment (see core/sanitise/office-to-pdf.ts): LibreOffice
# converts the untrusted document to PDF, with a fresh profile in the private /tmp (so its default
# macro security holds: no macro of the document runs), and the PDF goes out on stdout, for
# pdf-rasterise to render in a compartment of its own.
# Usage: sh office-convert.sh /in/document.EXT
set -u
mkdir -p /tmp/out || exit 70
soffice --headless --invisible --norestore --nologo --nodefault --nolockcheck \
  '-env:UserInstallation=file:///tmp/profile' \
  --convert-to pdf --outdir /tmp/out "$1" >&2 || exit $?
name=$(basename "$1")
pdf="/tmp/out/${name%.*}.pdf"
if [ ! -s "$pdf" ]; then
  echo 'LibreOffice wrote no PDF: it does not read this document' >&2
  exit 65
fi
cat "$pdf"
