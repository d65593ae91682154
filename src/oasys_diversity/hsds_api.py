"""Reading a council's Open Referral UK / HSDS API (`GET …/services`, page after page).

Every page is read and checked before anything is written: a page that is slow past the timeout, larger
than the size limit, not JSON, or not HSDS stops the import with one line naming the page, and the local
directory is left exactly as it was. Only https is used unless the officer allows http for a test server.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from oasys_diversity.directory import DirectoryError

DEFAULT_TIMEOUT_SECONDS = 30.0
DEFAULT_MAX_PAGE_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_PAGES = 200
DEFAULT_PER_PAGE = 100


@dataclass(frozen=True)
class FetchLimits:
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_page_bytes: int = DEFAULT_MAX_PAGE_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    allow_http: bool = False


def is_url(source: str) -> bool:
    return "://" in source


def services_endpoint(url: str, allow_http: bool = False) -> str:
    """The `/services` address of an API given its base or its `/services` address; refuses anything but
    https (or http when allowed)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.netloc:
        raise DirectoryError(f"{url}: not a web address (https://…)")
    if scheme == "http" and not allow_http:
        raise DirectoryError(f"{url}: only https is used; add --allow-http for a test server you trust")
    path = parts.path.rstrip("/")
    if not path.endswith("/services"):
        path += "/services"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


def feed_name(url: str) -> str:
    """How a feed is known in the directory (so a re-import can tell what left it)."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


def _last_page(data: Any, page: int) -> bool:
    if not isinstance(data, dict) or "contents" not in data:
        return True  # a plain list or a single object: the whole answer
    if data.get("last_page") is True or data.get("empty") is True:
        return True
    contents = data.get("contents")
    if not contents:
        return True
    total_pages = data.get("total_pages")
    if isinstance(total_pages, int) and not isinstance(total_pages, bool):
        return page >= total_pages
    return False


def fetch_pages(url: str, limits: FetchLimits | None = None) -> list[tuple[str, Any]]:
    """Every page of `url`'s services, parsed: [(where, data), …]. Raises DirectoryError naming the page."""
    import httpx

    from oasys_diversity import __version__
    from oasys_diversity.hsds import parse_json_bytes

    limits = limits or FetchLimits()
    endpoint = services_endpoint(url, limits.allow_http)
    pages: list[tuple[str, Any]] = []
    headers = {"Accept": "application/json", "User-Agent": f"oasys-diversity/{__version__}"}
    with httpx.Client(timeout=limits.timeout, follow_redirects=True, max_redirects=5, headers=headers) as client:
        page = 1
        while True:
            if page > limits.max_pages:
                raise DirectoryError(
                    f"{endpoint}: more than {limits.max_pages} pages; nothing was imported "
                    "(raise --max-pages if the directory really is that large)"
                )
            where = f"{endpoint} page {page}"
            raw = _get(client, endpoint, {"page": page, "per_page": DEFAULT_PER_PAGE}, where, limits)
            data = parse_json_bytes(raw, where)
            pages.append((where, data))
            if _last_page(data, page):
                return pages
            page += 1


def _get(client: Any, endpoint: str, params: dict[str, Any], where: str, limits: FetchLimits) -> bytes:
    import httpx

    try:
        with client.stream("GET", endpoint, params=params) as response:
            final = response.url
            if final.scheme != "https" and not limits.allow_http:
                raise DirectoryError(f"{where}: redirected to a plain http address; nothing was imported")
            if response.status_code != 200:
                raise DirectoryError(f"{where}: the server answered {response.status_code}; nothing was imported")
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limits.max_page_bytes:
                raise DirectoryError(f"{where}: larger than {limits.max_page_bytes:,} bytes; nothing was imported")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limits.max_page_bytes:
                    raise DirectoryError(f"{where}: larger than {limits.max_page_bytes:,} bytes; nothing was imported")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException:
        raise DirectoryError(f"{where}: no answer within {limits.timeout:g} s; nothing was imported") from None
    except httpx.HTTPError as error:
        raise DirectoryError(f"{where}: could not be read ({error.__class__.__name__}); nothing was imported") from None
