#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks po/POTFILES against the source tree:
#   - every file under src/ and data/ that has translatable strings must be listed, and so must
#     the desktop and metainfo files (at the top level or under data/);
#   - every listed file must exist.
#
#   po/check-potfiles.sh [SOURCE_ROOT]
#
# A file that matches by accident (say, a comment that mentions _()) can be named in an optional
# po/POTFILES.skip, one path a line, like in POTFILES.
set -euo pipefail
export LC_ALL=C

root="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"

if [ ! -f po/POTFILES ]; then
  echo "check-potfiles: $root/po/POTFILES does not exist" >&2
  exit 1
fi

# The gettext calls of gi18n.h and libintl, as a call: `_ (`, `N_(`, `g_dngettext (`…
c_markers='(^|[^[:alnum:]_])(_|N_|C_|NC_|Q_|gettext|dgettext|dcgettext|ngettext|dngettext|dcngettext|pgettext|npgettext|g_dgettext|g_dcgettext|g_dngettext|g_dpgettext|g_dpgettext2)[[:space:]]*\('
ui_markers='translatable="(yes|true|1)"'

# Paths as POTFILES writes them (relative to the root, without "./"), one a line, sorted.
list_entries() {
  if [ -f "$1" ]; then
    sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e 's|^\./||' "$1" |
      { grep -v '^$' || true; } | sort -u
  fi
}

find_candidates() {
  local dirs=()
  local dir

  for dir in src data; do
    if [ -d "$dir" ]; then
      dirs+=("$dir")
    fi
  done

  # Desktop and metainfo files are translatable as a whole.
  find . -maxdepth 1 -type f \( -name '*.desktop' -o -name '*.desktop.in' \
    -o -name '*.metainfo.xml.in' -o -name '*.appdata.xml.in' \)
  if [ "${#dirs[@]}" -eq 0 ]; then
    return
  fi
  find "${dirs[@]}" -type f \( -name '*.desktop' -o -name '*.desktop.in' \
    -o -name '*.metainfo.xml.in' -o -name '*.appdata.xml.in' \) -not -path '*/.*'

  find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) -not -path '*/.*' \
    -exec grep -l -I -E -e "$c_markers" {} +
  find "${dirs[@]}" -type f -name '*.ui' -not -path '*/.*' \
    -exec grep -l -I -E -e "$ui_markers" {} +
  # GSettings schemas are translated only when they name a gettext domain.
  find "${dirs[@]}" -type f \( -name '*.gschema.xml' -o -name '*.gschema.xml.in' \) \
    -not -path '*/.*' -exec grep -l -I -e 'gettext-domain=' {} +
}

listed="$(list_entries po/POTFILES)"
skipped="$(list_entries po/POTFILES.skip)"
# `|| true`: grep exits 1 for a tree without any matching file.
wanted="$( (find_candidates || true) | sed 's|^\./||' | sort -u)"

missing="$(comm -23 <(printf '%s\n' "$wanted" | grep -v '^$' || true) \
  <(printf '%s\n%s\n' "$listed" "$skipped" | grep -v '^$' | sort -u || true))"

stale=""
while IFS= read -r path; do
  if [ -n "$path" ] && [ ! -f "$path" ]; then
    stale+="$path"$'\n'
  fi
done <<<"$listed"

duplicates="$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e 's|^\./||' \
  po/POTFILES | { grep -v '^$' || true; } | sort | uniq -d)"

status=0
if [ -n "$missing" ]; then
  echo "These files have translatable strings but are missing from po/POTFILES:"
  printf '%s\n' "$missing" | sed 's/^/  /'
  status=1
fi
if [ -n "$stale" ]; then
  echo "These files are listed in po/POTFILES but do not exist:"
  printf '%s' "$stale" | sed 's/^/  /'
  status=1
fi
if [ -n "$duplicates" ]; then
  echo "These files are listed in po/POTFILES more than once:"
  printf '%s\n' "$duplicates" | sed 's/^/  /'
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "po/POTFILES lists all $(printf '%s\n' "$wanted" | grep -c . || true) files with translatable strings."
fi
exit "$status"
