"""The webhook URL check sees through IPv6 forms that carry a private, loopback or link-local IPv4 address."""

from __future__ import annotations

import ipaddress

import pytest

from registry_core.domain.errors import InvalidParameterValue
from registry_core.service.public_addresses import is_public
from registry_core.service.webhooks import validate_webhook_url

NON_PUBLIC = [
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (instance metadata)
    "64:ff9b:1::808:808",  # local-use NAT64: refused whatever it embeds
    "::10.0.0.1",  # IPv4-compatible
    "::127.0.0.1",
    "::169.254.169.254",
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:127.0.0.1",
    "::ffff:0:a00:1",  # IPv4-translated (SIIT)
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo
    "2001:0:a00:1::",  # Teredo with a private server
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "ff0e::1",
    "10.0.0.1",
    "127.0.0.1",
    "169.254.169.254",
    "100.64.0.1",
]
PUBLIC = ["8.8.8.8", "2606:4700:4700::1111", "64:ff9b::808:808", "::ffff:8.8.8.8", "2002:808:808::1"]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_addresses_that_reach_a_non_public_ipv4_host_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_and_forms_that_carry_a_public_one_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["64:ff9b::a00:1", "::ffff:10.0.0.1", "2002:a00:1::", "::10.0.0.1"])
def test_a_webhook_url_naming_such_an_address_is_refused(address: str) -> None:
    with pytest.raises(InvalidParameterValue, match="non-public"):
        validate_webhook_url(f"https://[{address}]/hook")


@pytest.mark.parametrize("address", ["::ffff:127.0.0.1", "64:ff9b::7f00:1"])
def test_the_local_server_admits_loopback_in_any_form(address: str) -> None:
    assert is_public(ipaddress.ip_address(address), allow_loopback=True)
    assert not is_public(ipaddress.ip_address("64:ff9b::a00:1"), allow_loopback=True)
