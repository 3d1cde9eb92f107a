#!/usr/bin/env bash
# Prints the path of a working python3.X, the Lambda runtime's version that `sam build` insists on finding on PATH
# ("Binary validation failed for python"). Looks on PATH first, then among uv's own Pythons, and installs it with
# uv (`uv python install 3.X`) when neither has it. Usage: scripts/lambda_python.sh <uv> <3.X>
set -euo pipefail
uv="$1"
version="$2"
if command -v "python$version" >/dev/null 2>&1 && "python$version" -c 'import ensurepip' >/dev/null 2>&1; then
    command -v "python$version"
    exit 0
fi
if found="$("$uv" python find --managed-python "$version" 2>/dev/null)"; then
    echo "$found"
    exit 0
fi
echo "sam build needs Python $version (the functions' runtime); installing it with: $uv python install $version" >&2
if ! "$uv" python install "$version" >&2; then
    echo "Could not install Python $version. Install it yourself (python.org, your package manager, or" \
        "'uv python install $version') so that python$version is on PATH, then run make build again." >&2
    exit 1
fi
"$uv" python find --managed-python "$version"
