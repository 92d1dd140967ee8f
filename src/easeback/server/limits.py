"""Reading a request's body no further than a limit: what a device sends is refused
once it proves too large, before it is all in memory."""

from __future__ import annotations

from fastapi import Request


async def read_at_most(request: Request, limit: int) -> bytes | None:
    """The body, or None when it is longer than ``limit`` bytes (as declared, or as
    it arrives: a sender may say nothing, or say less)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
