#!/usr/bin/env bash
# dango: runs the bin/dango of the Dango project you are in, found like git finds a repository (the
# nearest folder above holding .dango/sources.yml), or the one --project-dir or DANGO_PROJECT_DIR names.
# Each project runs its own copy of Dango, at its own version. Outside any project (`dango init DIR`),
# it runs the Dango that wrote this file: @DANGO@
# Written by `bin/dango install-command`; run that again to point it elsewhere.
set -euo pipefail
dir="${DANGO_PROJECT_DIR:-}"
previous=""
for arg in "$@"; do
  case "$previous" in --project-dir) dir="$arg" ;; esac
  case "$arg" in --project-dir=*) dir="${arg#--project-dir=}" ;; esac
  previous="$arg"
done
if [ -z "$dir" ]; then
  dir="$PWD"
  while [ "$dir" != / ] && [ ! -f "$dir/.dango/sources.yml" ]; do dir="$(dirname "$dir")"; done
fi
if [ -f "$dir/.dango/sources.yml" ] && [ -x "$dir/bin/dango" ]; then
  exec "$dir/bin/dango" "$@"
fi
exec "@DANGO@" "$@"
