"""The one rule that needs the network: external links checked over HTTP, only with ``lint --external``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from papernotes.rules.base import RepoContext

if TYPE_CHECKING:
    from papernotes.external import LinkResult
    from papernotes.links import Resolved

# papernotes.external (and httpx) is imported inside the check: lint without --external never pays for it.

BROKEN_EXTERNAL_LINK_DOC = """\
## What it does
With `papernotes lint --external` only: requests every http(s) URL the repository links to (Markdown links,
autolinks, bare URLs, `<a href>`, images) and reports those whose server says they are gone (HTTP 404, 410
and other 4xx), that fail with 5xx after retries, that time out, or whose host cannot be reached (DNS,
refused connection, invalid TLS certificate). The message gives the status, and where redirects led.

Not reported: 401, 403 and 429, which mean the page is there but refuses an automated check (a login, a bot
wall, a rate limit), so a reader with a browser gets it. Not requested: links to this repository (checked
as local files by `broken-link`), `mailto:`, local and private hosts (`localhost`, `192.168.x.x`, single-label
names, `.local`, `.internal`), the example domains (`example.com`, `.example`, `.invalid`).

Requests are polite and cached: HEAD, then a streamed GET when HEAD fails; 2 at a time per host and 16 in
all; `Retry-After` honoured; results kept in `.papernotes_cache/external.json` for 24 hours when the link
works and 1 hour when it does not (`--no-cache` or `cache = false` ignores them).

## Why it matters
Papers move: arXiv is stable, but project pages, blog posts and code links of old notes rot, and nothing
else tells you until a reader clicks.

## Example
```markdown
- [201810 BERT](https://arxiv.org/abs/1810.04805) ([code](https://github.com/google-research/bert-old))
```

## Fix
Link to where the page is now (the Wayback Machine keeps most old project pages), or drop the link. For a
link that is fine but fails the check, disable the rule on that line:
`<!-- papernotes-disable-next-line broken-external-link -->`.
"""


def broken_external_link(ctx: RepoContext) -> None:
    if not ctx.external:
        return  # never touch the network unless asked, whoever calls the check
    from papernotes import external

    places = _places(ctx)
    if not places:
        return
    run = external.current()
    cache_root = ctx.root if run.use_cache and ctx.settings.cache else None
    checker = external.LinkChecker(run.options, cache_root=cache_root, transport=run.transport)
    results = checker.check(places, progress=run.progress)
    for url, links in places.items():
        result = results[url]
        if result.reported:
            for res in links:
                message = _message(res.link.target.strip(), result)
                ctx.report(res.source, res.link.line, message, column=res.link.column)


def _places(ctx: RepoContext) -> dict[str, list[Resolved]]:
    """The links to check, by the URL requested for them; one per URL on each line of each file."""
    from papernotes.external import normalise, should_check
    from papernotes.links import self_url_paths
    from papernotes.lint import self_urls  # the same self-URL prefixes the link graph resolves with

    prefixes = self_url_paths(self_urls(ctx.root, ctx.settings))
    # `external-ignore` (globs of URLs never requested) is not a setting yet: read it once it is.
    ignore: list[str] = ctx.settings.external_ignore
    places: dict[str, list[Resolved]] = {}
    seen: set[tuple[str, int, str]] = set()
    for res in ctx.graph.resolved:
        if res.kind != "external":
            continue
        url = normalise(res.link.target)
        if url is None or not should_check(url, ignore) or _is_self(url, prefixes):
            continue
        key = (res.source, res.link.line, url)
        if key not in seen:
            seen.add(key)
            places.setdefault(url, []).append(res)
    return places


def _is_self(url: str, prefixes: list[str]) -> bool:
    # Pages of this repository that are not files (issues, wiki, the repository itself) are not requested
    # either: a private repository answers 404 to a check that is not logged in.
    bare = url.split("://", 1)[-1].rstrip("/").lower()
    return any(bare == prefix or bare.startswith(prefix + "/") for prefix in prefixes)


def _message(target: str, result: LinkResult) -> str:
    message = f"{target}: {result.reason}"
    if result.final_url is not None:
        message += f" (redirected to {result.final_url})"
    return message
