"""The address of the client a request came from, for per-address limits.

Behind reverse proxies every request reaches us from a proxy's address, so counting by
REMOTE_ADDR would put all customers under one limit. Each trusted proxy appends the address it
received the request from to X-Forwarded-For; with TRUSTED_PROXY_COUNT proxies in front, the
client is the entry that many places from the end. Entries before it were written by the
client itself and are never trusted (a forged header cannot escape a limit).
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The client's address as the nearest trusted proxy saw it ("unknown" if none)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [_without_port(address) for address in forwarded.split(",")]
    # Fewer entries than proxies: the request skipped one; the leftmost is the furthest hop.
    return addresses[-min(proxies, len(addresses))] or remote


def _without_port(entry: str) -> str:
    """The address as a proxy wrote it, less the port some add ("203.0.113.7:52100",
    "[2001:db8::1]:443"): each new connection would otherwise count as another client."""
    entry = entry.strip()
    if entry.startswith("["):
        return entry[1:].split("]", 1)[0]
    if entry.count(":") == 1:  # IPv4 and a port; a bare IPv6 address has several colons
        return entry.split(":", 1)[0]
    return entry


def login_client_address(request: HttpRequest) -> str | None:
    """The same address for the staff login's lockout, which stores it as an IP address:
    None when a request has none (one made in-process by a command or a test)."""
    address = client_address(request)
    return None if address == "unknown" else address
