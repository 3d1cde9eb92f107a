import smr


def test_the_package_reports_its_version() -> None:
    assert smr.__version__ == "0.1.0"
