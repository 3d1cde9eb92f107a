import subprocess
import sys

import smr


def test_the_package_reports_its_version() -> None:
    assert smr.__version__ == "0.1.0"


def test_the_sdk_never_imports_the_servers_layer() -> None:
    probe = (
        "import sys, smr, smr.cli, smr.artifacts; "
        "print(sorted(m for m in sys.modules if m.startswith(('registry_core', 'smr_local', 'aws_lambda_powertools'))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
