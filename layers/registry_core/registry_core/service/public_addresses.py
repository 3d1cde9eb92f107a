"""Whether an address a webhook would connect to is public, including IPv4 addresses carried inside IPv6 forms.

`ipaddress`'s `is_global` judges an IPv6 address by its own range only, and several ranges carry an IPv4 address
that the network then reaches: NAT64 (64:ff9b::/96) translates to it, IPv4-mapped (::ffff:a.b.c.d) and
IPv4-compatible (::a.b.c.d) sockets connect to it, 6to4 (2002::/16) and Teredo (2001::/32) tunnel to it. So
64:ff9b::7f00:1 is loopback and 2002:a00:1:: is 10.0.0.1, however "global" their IPv6 range is.
"""

from __future__ import annotations

import ipaddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# RFC 8215's local-use NAT64 prefix: operators choose how the IPv4 address is embedded, so the range is refused.
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # SIIT (RFC 2765)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to (empty for a plain IPv6 address)."""
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _NAT64_WELL_KNOWN or address in _IPV4_TRANSLATED:
        return [low32]
    if address in _IPV4_COMPATIBLE and int(address) > 1:  # :: and ::1 are IPv6's own
        return [low32]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)  # (server, client)
    return []


def _public(address: IPAddress) -> bool:
    return address.is_global and not address.is_multicast


def is_public(address: IPAddress, *, allow_loopback: bool = False) -> bool:
    """True if a connection to `address` reaches the public internet only (loopback admitted if allowed)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL_USE:
            return False
        carried = embedded_ipv4(address)
        if carried:
            return all(_public(inner) or (allow_loopback and inner.is_loopback) for inner in carried)
    if allow_loopback and address.is_loopback:
        return True
    return _public(address)
