#!/usr/bin/env bash
# clang-format check/fix over our own C sources (build dirs and corpora excluded).
set -euo pipefail
cf="$1"; mode="$2"
cd "${MESON_SOURCE_ROOT:-$(dirname "$0")/../..}"
mapfile -t files < <(git ls-files -- 'app/*.[ch]' 'lib/*.[ch]' 'swim/*.[ch]' 'coord/*.[ch]' 'tests/*.[ch]' 2>/dev/null ||
	find app lib swim coord tests -name '*.[ch]')
[ ${#files[@]} -eq 0 ] && exit 0
if [ "$mode" = fix ]; then
	"$cf" -i "${files[@]}"
else
	"$cf" --dry-run --Werror "${files[@]}"
	echo "clang-format: ${#files[@]} files clean"
fi
