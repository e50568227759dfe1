#!/usr/bin/env bash
# Run the whole test suite on a fresh Debian machine: installs the system packages the
# tests use (Tesseract OCR, Dovecot IMAP, Poppler), mailflow with its test extras, then
# ruff and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
packages="tesseract-ocr tesseract-ocr-eng tesseract-ocr-script-latn dovecot-imapd poppler-utils"
missing=""
for package in $packages; do
  dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
  echo "installing system packages:$missing"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

python3 -m pip install --quiet --disable-pip-version-check -e ".[test]"
python3 -m ruff check .
python3 -m pytest "$@"
