#!/usr/bin/env bash
# Proves the source tree needs nothing beside it: no file reaches the sibling folder the
# project grew up next to, and every relative Markdown link resolves inside the repo.
set -uo pipefail
src=${1:?usage: standalone_test.sh SOURCE_DIR}
cd "$src" || exit 1
if [ -d .git ] || [ -f .git ]; then
  mapfile -t files < <(git ls-files)
else
  mapfile -t files < <(find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||')
fi
((${#files[@]} > 50)) || { echo "only ${#files[@]} files found under $src: wrong directory?"; exit 1; }

status=0
# Spelled in two parts so this script does not match itself.
outside='\.\./'"shared"
hits=$(grep -nIE "$outside" -- "${files[@]}" 2>/dev/null)
if [ -n "$hits" ]; then
  echo "these lines reach outside the repo:"; echo "$hits"; status=1
fi

checked=0
for md in "${files[@]}"; do
  [[ $md == *.md ]] || continue
  dir=$(dirname "$md")
  while IFS= read -r target; do
    target=${target%%#*}
    [ -z "$target" ] && continue
    case $target in
      http://*|https://*|mailto:*) echo "$md: links outside the repo: $target"; status=1; continue ;;
    esac
    checked=$((checked + 1))
    resolved=$(realpath -m "$dir/$target")
    case $resolved in
      "$(realpath "$src")"/*) ;;
      *) echo "$md: link leaves the repo: $target"; status=1; continue ;;
    esac
    [ -e "$resolved" ] || { echo "$md: broken link: $target"; status=1; }
  done < <(grep -oE '\]\([^)]+\)' "$md" | sed -E 's/^\]\((.*)\)$/\1/')
done
echo "standalone: ${#files[@]} files scanned, $checked relative links checked"
exit $status
