"""Static files as they are served: scripts without their comments.

The scripts in `static/` are written to be read (comments that say why), but every byte of
`widget.js` counts against the homeowner's page weight and `embed.js` loads on every agency page.
rjsmin strips comments and spaces once per file at first use (there is no JavaScript build
step); the result is cached in memory with its own ETag.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import rjsmin
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, PathLike, StaticFiles
from starlette.types import Scope

JAVASCRIPT = "text/javascript; charset=utf-8"


def minified_script(path: Path) -> bytes:
    """The script at `path` (UTF-8) without comments or needless spaces, as UTF-8 bytes."""
    minified: str = rjsmin.jsmin(path.read_text(encoding="utf-8"))
    return minified.encode()


def etag_of(body: bytes) -> str:
    """A strong ETag for `body`: the start of its SHA-256, quoted."""
    return f'"{hashlib.sha256(body).hexdigest()[:16]}"'


class StaticAssets(StaticFiles):
    """Starlette's StaticFiles, except that `.js` files are served minified (see above)."""

    def __init__(self, *, directory: PathLike) -> None:
        super().__init__(directory=directory)
        self._scripts: dict[str, tuple[float, bytes, str]] = {}

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        if not str(full_path).endswith(".js"):
            return super().file_response(full_path, stat_result, scope, status_code)
        key = str(full_path)
        cached = self._scripts.get(key)
        if cached is None or cached[0] != stat_result.st_mtime:
            body = minified_script(Path(full_path))
            cached = self._scripts[key] = (stat_result.st_mtime, body, etag_of(body))
        _, body, etag = cached
        headers = {"etag": etag, "content-type": JAVASCRIPT}
        if self.is_not_modified(Headers(headers), Headers(scope=scope)):
            return NotModifiedResponse(Headers(headers))
        return Response(body, status_code=status_code, headers=headers)
