#!/usr/bin/env bash
# Prints the path of a working python3.X, the Lambda runtime's version that `sam build` insists on finding on PATH
# ("Binary validation failed for python"). Looks on PATH, in the usual install places (pyenv's versions included:
# a pyenv shim on PATH may not run when that version is not the active one), among uv's own Pythons, and finally
# installs it with uv (`uv python install 3.X`). Usage: scripts/lambda_python.sh <uv> <3.X>
set -euo pipefail
uv="$1"
version="$2"
works() { [ -x "$1" ] && "$1" -c 'import ensurepip, sys; sys.exit(sys.version_info[:2] != tuple(map(int, sys.argv[1].split("."))))' "$version" >/dev/null 2>&1; }
shopt -s nullglob
candidates=("$(command -v "python$version" || true)" "/usr/bin/python$version" "/usr/local/bin/python$version"
    "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version"*/bin/"python$version")
for candidate in "${candidates[@]}"; do
    if [ -n "$candidate" ] && works "$candidate"; then
        echo "$candidate"
        exit 0
    fi
done
if found="$("$uv" python find --managed-python "$version" 2>/dev/null)" && works "$found"; then
    echo "$found"
    exit 0
fi
echo "sam build needs Python $version (the functions' runtime); installing it with: $uv python install $version" >&2
if ! "$uv" python install "$version" >&2; then
    echo "Could not install Python $version. Install it yourself (python.org, your package manager, pyenv, or" \
        "'uv python install $version') so that python$version runs, then run make build again." >&2
    exit 1
fi
"$uv" python find --managed-python "$version"
