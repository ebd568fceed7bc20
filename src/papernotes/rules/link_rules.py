"""Rules about links, anchors and images across the repository (run on the resolved link graph)."""

from __future__ import annotations

import difflib
import posixpath
import unicodedata
from collections import defaultdict
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from papernotes.diagnostics import Fix
from papernotes.facts import FileFacts
from papernotes.rules.base import RepoContext
from papernotes.slug import which_flavours
from papernotes.splice import LineEdit

if TYPE_CHECKING:
    from papernotes.links import Resolved

_MARKDOWN = (".md", ".markdown", ".mdown", ".mkd")

BROKEN_LINK_DOC = """\
## What it does
Reports a relative link to a file or folder that does not exist, resolving it the way GitHub does (relative to
the file, `/x` from the repository root, percent-decoded, `?query` and `#fragment` split off) and accepting a
target written without `.md`. Absolute URLs to this same repository (`github.com/OWNER/REPO/blob/...`,
`raw.githubusercontent.com/...`) are checked as local files, and `javascript:` links are reported too.

## Why it matters
A broken link in an index is a paper whose notes nobody can open; it is what moving or renaming notes by hand
leaves behind.

## Example
```markdown
## [202004 DeeBERT](../resources/notes/d0001/pretrainlm_202004_DeeBert.md)
```

## Fix
Correct the path (or create the note). `papernotes mv` renames notes and rewrites every link to them.
"""


def broken_link(ctx: RepoContext) -> None:
    for res in ctx.graph.resolved:
        if res.is_image:
            continue
        if res.kind == "script":
            ctx.report(
                res.source,
                res.link.line,
                f"{res.link.target.split(':', 1)[0]}: link: GitHub does not follow it",
                column=res.link.column,
            )
        elif res.kind == "local" and res.actual is None and not _exists_outside(ctx, res):
            message = _missing_message(res)
            twin = _normalisation_twin(ctx, res.path or "")
            if twin is not None:
                message += f"; {twin} differs from it only in Unicode normalisation (NFC/NFD)"
            ctx.report(res.source, res.link.line, message, column=res.link.column)


def _normalisation_twin(ctx: RepoContext, path: str) -> str | None:
    """An existing path that is ``path`` in another Unicode normalisation (macOS writes NFD names)."""
    if path.isascii():
        return None
    index: dict[str, str] | None = ctx.memo.get("nfc")  # type: ignore[assignment]
    if index is None:
        index = {unicodedata.normalize("NFC", f): f for f in (*ctx.graph.files, *ctx.graph.dirs)}
        ctx.memo["nfc"] = index
    twin = index.get(unicodedata.normalize("NFC", path))
    return twin if twin is not None and twin != path else None


def _missing_message(res: Resolved) -> str:
    if res.link.kind in ("wikilink", "embed"):
        return f"[[{res.link.target}]] matches no file of the repository"
    message = f"link target {res.link.target!r} does not exist"
    if res.path != res.link.target:  # say what was looked for when decoding or ../ changed it
        message += f" (looked for {res.path or '.'})"
    return message


def _exists_outside(ctx: RepoContext, res: Resolved) -> bool:
    """A target in an excluded folder (a built site, a template) exists even though lint does not read it."""
    if res.path is None:
        return False
    target = ctx.root / res.path
    try:
        return target.exists() and target.resolve().is_relative_to(ctx.root.resolve())
    except OSError:
        return False


LINK_CASE_MISMATCH_DOC = """\
## What it does
Reports a link that resolves only when letter case is ignored (`Notes/GLM.md` for `notes/glm.md`).

## Why it matters
macOS and Windows file systems ignore case, so the link works on the author's machine; GitHub and Linux do not,
so it is broken for every reader of the repository.

## Example
```markdown
- [GLM](Papers/2103.10360.md)
```

## Fix
Safe fix: rewrite the link with the file's real case.
"""


def link_case_mismatch(ctx: RepoContext) -> None:
    for res in ctx.graph.resolved:
        if not res.case_mismatch or res.actual is None or res.path is None:
            continue
        fix = _rewrite_target_fix(ctx, res, _relative(res.source, res.actual), "use the file's real case")
        ctx.report(
            res.source,
            res.link.line,
            f"{res.link.target!r} only matches {res.actual!r} when case is ignored: broken on GitHub",
            column=res.link.column,
            fix=fix,
        )


LINK_OUTSIDE_ROOT_DOC = """\
## What it does
Reports a relative link that climbs out of the repository (`../../etc/passwd`, `../../other-repo/x.md`).

## Why it matters
The target is not part of the repository: on GitHub and in every clone the link is broken, and a link to a
system file is a leak of the author's machine layout.

## Example
```markdown
[notes](../../../Documents/notes.md)
```

## Fix
Link to a file inside the repository, or to an absolute URL.
"""


def link_outside_root(ctx: RepoContext) -> None:
    for res in ctx.graph.resolved:
        if res.kind == "outside":
            ctx.report(
                res.source,
                res.link.line,
                f"{res.link.target!r} points outside the repository",
                column=res.link.column,
            )


ABSOLUTE_LOCAL_PATH_DOC = """\
## What it does
Reports links and images that are absolute paths of someone's machine: `/Users/...`, `/home/...`, `C:\\...`,
`file://...` (editors paste them when an image is dropped into a note).

## Why it matters
They work only on the machine that wrote them; everyone else, GitHub included, sees a broken link or image.

## Example
```markdown
![](/Users/me/Library/Application Support/typora-user-images/image-20210318.png)
```

## Fix
Copy the file into the repository (an images folder) and link to it with a relative path.
"""


def absolute_local_path(ctx: RepoContext) -> None:
    for res in ctx.graph.resolved:
        if res.kind == "absolute-local":
            ctx.report(
                res.source,
                res.link.line,
                # Quoted by hand: repr() would double the backslashes of a Windows path.
                f"'{res.link.target}' is an absolute path on one machine; use a path relative to the file",
                column=res.link.column,
            )


BROKEN_ANCHOR_DOC = """\
## What it does
Checks every `#fragment` (in the same file or `other.md#fragment`) against the heading anchors GitHub generates
for the target file (rendered text, lower-cased, ASCII and CJK punctuation removed, spaces to `-`, repeats
suffixed `-1`, `-2`) and explicit `<a name=...>`/`id=` anchors. When the fragment matches a heading under
another tool's anchor style (the VS Code TOC extensions, Typora, raw text), it says which.

## Why it matters
A stale anchor opens the right file at the wrong place, or at its top: readers lose the paper the link was for.
Editors and old TOC tools write anchors GitHub never generates.

## Example
```markdown
[Syntax-BERT](FastReading.md#2103.04350Syntax-BERT:ImprovingPre-trainedTransformerswithSyntaxTrees)
```

## Fix
Safe fix when exactly one heading matches the fragment under another anchor style: rewrite the fragment as the
GitHub anchor. Otherwise the message suggests the closest real anchor.
"""


def broken_anchor(ctx: RepoContext) -> None:
    for res in ctx.graph.resolved:
        if res.fragment is None or res.actual is None or res.case_mismatch or res.is_dir:
            continue
        if res.kind == "wiki" or res.link.kind in ("wikilink", "embed"):
            continue
        target = ctx.facts.get(res.actual)
        if target is None or not res.actual.lower().endswith(_MARKDOWN) or target.skipped:
            continue
        fragment = res.fragment
        if fragment == "" or _anchor_exists(target, fragment):
            continue
        headings = [(h.text, h.raw) for h in target.headings]
        message = f"#{fragment} matches no heading anchor of {res.actual}"
        fix = None
        flavours = [(name, i) for name, i in which_flavours(fragment, headings) if name != "github"]
        if flavours:
            indexes = sorted({i for _, i in flavours})
            names = sorted({name for name, _ in flavours})
            first = target.headings[indexes[0]]
            message += (
                f"; it is the {'/'.join(names)} anchor of the heading on line {first.line}: GitHub's is "
                f"#{first.anchor}"
            )
            if len(indexes) == 1:
                fix = _rewrite_fragment_fix(ctx, res, first.anchor)
        else:
            nfc = unicodedata.normalize("NFC", fragment)
            twin = next((a for a in target.anchors if unicodedata.normalize("NFC", a) == nfc), None)
            close = difflib.get_close_matches(fragment.lower(), target.anchors, n=1, cutoff=0.6)
            if twin is not None:
                message += f"; #{twin} differs from it only in Unicode normalisation (NFC/NFD)"
            elif close:
                message += f"; did you mean #{close[0]}?"
        ctx.report(res.source, res.link.line, message, column=res.link.column, fix=fix)


def _anchor_exists(target: FileFacts, fragment: str) -> bool:
    candidates = {fragment, fragment.removeprefix("user-content-")}
    return any(c in target.anchors or c in target.html_anchors for c in candidates)


MISSING_IMAGE_DOC = """\
## What it does
Reports an image (Markdown `![](...)`, HTML `<img src>`, or an `![[embed]]` when wikilinks are on) whose file
does not exist. When exactly one file of that name exists elsewhere in the repository, it says where.

## Why it matters
Figures are most of what a reading note keeps of a paper; a broken image path (an index moved to another folder,
images pasted into another one) loses them for every reader.

## Example
```markdown
![](../source/images/21222320212123000322.png)
```

## Fix
Safe fix when exactly one file of that name exists in the repository: rewrite the path to it.
"""


def missing_image(ctx: RepoContext) -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for image in ctx.graph.images:
        by_name[posixpath.basename(image)].append(image)
    for res in ctx.graph.resolved:
        if not res.is_image or res.kind != "local" or res.actual is not None:
            continue
        if res.kind == "local" and _exists_outside(ctx, res):
            continue
        name = posixpath.basename(res.path or "")
        same = by_name.get(name, [])
        message = f"image {res.link.target!r} does not exist"
        fix = None
        if len(same) == 1:
            message += f"; a file of that name is at {same[0]}"
            fix = _rewrite_target_fix(ctx, res, _relative(res.source, same[0]), f"point to {same[0]}")
        elif len(same) > 1:
            shown = ", ".join(same[:3]) + (f" and {len(same) - 3} more" if len(same) > 3 else "")
            message += f"; {len(same)} files of that name exist: {shown}"
        ctx.report(res.source, res.link.line, message, column=res.link.column, fix=fix)


UNUSED_IMAGE_DOC = """\
## What it does
Reports an image file (in the configured asset folders, or anywhere in the repository) that no Markdown file
references, by a Markdown image, an HTML `<img>`, a link or an embed.

## Why it matters
Images are pasted by the dozen and never deleted; unused ones bloat every clone, and often mean a note lost the
line that showed them.

## Example
```text
assets/21222320212123000322.png   (no note shows it)
```

## Fix
Show it where it belongs, or delete it.
"""


def unused_image(ctx: RepoContext) -> None:
    used = {res.actual for res in ctx.graph.resolved if res.actual is not None}
    used_lower = {u.lower() for u in used}
    folders = ctx.settings.assets
    for image in ctx.graph.images:
        if image in used or image.lower() in used_lower:
            continue
        if folders is not None and not any(
            image == f.strip("/") or image.startswith(f.strip("/") + "/") for f in folders
        ):
            continue
        ctx.report(image, 1, f"image {image} is not used by any Markdown file")


ORPHAN_NOTE_DOC = """\
## What it does
Reports a note file that no index links to (links with `#fragments` and links without `.md` count).

## Why it matters
A note that no index lists is a paper nobody will find again: it is what a renamed or deleted index entry, or a
forgotten `git add` of the index, leaves behind.

## Example
```text
resources/notes/d0001/pretrainlm_2103.10360.md   (no index links to it)
```

## Fix
Add an entry for the paper to its topic index (`papernotes add` writes both), or delete the note.
"""


def orphan_note(ctx: RepoContext) -> None:
    for path, facts in ctx.facts.items():
        if facts.role != "note":
            continue
        inbound = ctx.graph.inbound.get(path, [])
        if any(ctx.facts[r.source].role == "index" for r in inbound if r.source in ctx.facts):
            continue
        message = f"no index links to {path}"
        others = sorted({r.source for r in inbound if r.source != path})
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            message += f"; only {shown} {'links' if len(others) == 1 else 'link'} to it"
        ctx.report(path, 1, message)


_URL_SAFE = "/._-~()!$&'*+,;=:@"


def _relative(source: str, target: str) -> str:
    """The path from ``source`` to ``target``, percent-encoded where Markdown needs it."""
    return quote(posixpath.relpath(target, posixpath.dirname(source) or "."), safe=_URL_SAFE)


def _rewrite_target_fix(ctx: RepoContext, res: Resolved, new_path: str, description: str) -> Fix | None:
    written = res.link.target
    old_path = written.split("#", 1)[0].split("?", 1)[0]
    if not old_path:
        return None
    if "%" not in old_path:
        # Keep the author's style: CJK names stay readable when they were written unencoded.
        new_path = "".join(c if ord(c) > 127 else quote(c, safe=_URL_SAFE) for c in unquote(new_path))
    if old_path.endswith("/") and not new_path.endswith("/"):
        new_path += "/"
    suffix = written[len(old_path) :]
    return _line_replace_fix(ctx, res, written, new_path + suffix, description)


def _rewrite_fragment_fix(ctx: RepoContext, res: Resolved, anchor: str) -> Fix | None:
    written = res.link.target
    base, _, _ = written.partition("#")
    return _line_replace_fix(ctx, res, written, f"{base}#{anchor}", f"use GitHub's anchor #{anchor}")


def _line_replace_fix(ctx: RepoContext, res: Resolved, old: str, new: str, description: str) -> Fix | None:
    lines = ctx.graph.lines_of(res.source)
    if lines is None or not 0 < res.link.line <= len(lines):
        return None
    line = lines[res.link.line - 1]
    # Only when the target is written exactly once on the line: otherwise the fix could hit the wrong link.
    if line.count(old) != 1 or old == new:
        return None
    return Fix("safe", description, (LineEdit(res.link.line, res.link.line, (line.replace(old, new),)),))
