#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Regenerates the Thunderbird-written samples in data/ (fresh.js, imap.js, pop3.js, deleted.js,
# latin1.js) with the real Thunderbird: each case starts Thunderbird headless on an empty profile
# in a throwaway HOME, lets data/make-corpus.js create accounts through Thunderbird's own account
# manager and copies the prefs.js Thunderbird writes when it quits. Needs root (the test hook is
# installed into Thunderbird's directory for the duration, and always removed) and Debian's
# thunderbird package. Not run by the test suite: the samples are committed.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
tbdir=${THUNDERBIRD_DIR:-/usr/lib/thunderbird}
lock=${TMPDIR:-/tmp}/mail-setup-thunderbird-hook.lock
scratch=$(mktemp -d)

cleanup () {
  rm -f "$tbdir/defaults/pref/mail-setup-test-hook.js" "$tbdir/mail-setup-test-hook.cfg"
  rm -rf "$scratch"
}

exec 9>"$lock"
flock 9
trap cleanup EXIT INT TERM
cp "$here/thunderbird-hook-prefs.js" "$tbdir/defaults/pref/mail-setup-test-hook.js"
cp "$here/thunderbird-hook.cfg" "$tbdir/mail-setup-test-hook.cfg"

for case in fresh imap pop3 deleted latin1; do
  home="$scratch/$case"
  mkdir -p "$home/profile"
  HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_CACHE_HOME="$home/.cache" \
    XDG_DATA_HOME="$home/.local/share" MAIL_SETUP_TB_SCRIPT="$here/data/make-corpus.js" \
    MAIL_SETUP_CORPUS_CASE="$case" \
    timeout 120 thunderbird --headless --no-remote --profile "$home/profile" \
    >"$home/thunderbird.log" 2>&1 </dev/null
  # Paths of the throwaway home would differ on every run.
  sed "s|$home/profile|/home/user/.thunderbird/abcd1234.default-release|g" \
    "$home/profile/prefs.js" >"$here/data/$case.js"
  echo "data/$case.js"
done
