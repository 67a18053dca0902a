"""Resumable Upload API (META-API.md §4.4): the handle a profile picture is set from.

POST /{APP-ID}/uploads?file_name=&file_length=&file_type=   -> {"id": "upload:<SESSION>"}
POST /upload:<SESSION>  (header file_offset: 0, raw bytes)    -> {"h": "<HANDLE>"}
GET  /upload:<SESSION>                                        -> {"id": …, "file_offset": N}
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from .context import Ctx
from .errors import invalid_parameter
from .protocol import p_int, p_str
from .state import AppRec, UploadRec

FILE_TYPES = ("image/jpeg", "image/jpg", "image/png", "application/pdf", "video/mp4")


def create_session(ctx: Ctx, app: AppRec) -> dict[str, Any]:
    params = ctx.req.params
    file_name = p_str(params, "file_name") or "upload"
    length = p_int(params, "file_length")
    file_type = p_str(params, "file_type", required=True) or ""
    if length is None or length <= 0:
        raise invalid_parameter("Param file_length must be a positive integer (bytes)")
    if file_type not in FILE_TYPES:
        raise invalid_parameter("Param file_type must be one of " + ", ".join(FILE_TYPES))
    session = base64.urlsafe_b64encode(f"{app.id}:{ctx.state.new_id('9')}".encode()).decode().rstrip("=")
    upload_id = f"upload:{session}"
    ctx.state.uploads[upload_id] = UploadRec(upload_id, app.id, file_name, length, file_type)
    return {"id": upload_id}


def upload_chunk(ctx: Ctx, upload: UploadRec) -> dict[str, Any]:
    header = ctx.req.headers.get("file_offset", ctx.req.headers.get("file-offset", "0"))
    try:
        offset = int(header)
    except ValueError:
        raise invalid_parameter("Header file_offset must be an integer") from None
    if offset != upload.offset:
        raise invalid_parameter(
            f"file_offset {offset} does not match the uploaded length {upload.offset}; resume there"
        )
    data = ctx.req.body
    if upload.offset + len(data) > upload.file_length:
        raise invalid_parameter("More bytes than the session's file_length")
    upload.data_hex += data.hex()
    if upload.offset < upload.file_length:
        return {"id": upload.id, "file_offset": upload.offset}
    if upload.handle is None:
        digest = hashlib.sha256(bytes.fromhex(upload.data_hex)).digest()
        mime = base64.b64encode(upload.file_type.encode()).decode()
        upload.handle = f"4::{mime}:{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"
        ctx.state.handles[upload.handle] = upload.id
    return {"h": upload.handle}


def session_status(ctx: Ctx, upload: UploadRec) -> dict[str, Any]:
    return {"id": upload.id, "file_offset": upload.offset}
