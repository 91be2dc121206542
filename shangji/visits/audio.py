"""Audio recordings of a visit (V2): is an upload really audio, which kind, and how long is it?

Pure functions over bytes, no models: the visit service stores what they say. The format is judged by the file's
first bytes (its magic number), never by the name or the type the phone declared, so a text file renamed to .mp3 is
refused. The duration is read only where the header says it cheaply (WAV; Ogg Opus/Vorbis from the last page):
everything else, e.g. the WebM a browser's MediaRecorder writes without a duration, keeps it unknown (None) —
decoding audio on the server to measure it would cost more than it is worth.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What people are told they may upload, in the order of the checks below.
ACCEPTED = "WAV、MP3、M4A、AAC、Ogg/Opus、WebM、AMR"
OGG_TAIL_BYTES = 65_307  # the largest possible Ogg page: the last page (with the final granule) starts within it


@dataclass(frozen=True)
class AudioInfo:
    """What an accepted upload is."""

    content_type: str
    extension: str
    duration_s: float | None


def read_audio(data: bytes, *, max_bytes: int) -> AudioInfo:
    """Validate an uploaded recording; raises a Chinese ValidationError for an empty, too large or non-audio file."""
    if not data:
        raise ValidationError(_("录音是空文件，请重新录制或选择。"), code="empty")
    if len(data) > max_bytes:
        raise ValidationError(_("录音不能超过 %(max)s MB，请缩短录音或分段上传。"), code="too_large",
                              params={"max": megabytes(max_bytes)})
    found = _detect(data)
    if found is None:
        raise ValidationError(_("不是可识别的录音文件，只能上传 %(formats)s 格式的录音。"), code="not_audio",
                              params={"formats": ACCEPTED})
    content_type, extension = found
    duration = None
    if extension == "wav":
        duration = wav_duration(data)
    elif extension == "ogg":
        duration = ogg_duration(data)
    return AudioInfo(content_type=content_type, extension=extension, duration_s=duration)


def megabytes(size: int) -> str:
    """20971520 → "20", 524288 → "0.5": the limit as people say it."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def _detect(data: bytes) -> tuple[str, str] | None:
    """(content type, file extension) from the magic number, or None."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav", "wav"
    if data[:4] == b"OggS":
        return "audio/ogg", "ogg"
    if data[:4] == b"\x1a\x45\xdf\xa3":  # EBML: WebM / Matroska
        return "audio/webm", "webm"
    if data[4:8] == b"ftyp":  # ISO base media: M4A / MP4 / 3GP
        return "audio/mp4", "m4a"
    if data[:9] == b"#!AMR-WB\n":
        return "audio/amr-wb", "awb"
    if data[:6] == b"#!AMR\n":
        return "audio/amr", "amr"
    if data[:3] == b"ID3":  # an ID3v2 tag before the MPEG frames
        return "audio/mpeg", "mp3"
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0:  # MPEG audio frame sync (11 bits)
        # Layer bits 00 are reserved in MPEG audio; ADTS (raw AAC, what some recorders write) uses them.
        if (data[1] >> 1) & 0b11 == 0:
            return "audio/aac", "aac"
        return "audio/mpeg", "mp3"
    return None


def wav_duration(data: bytes) -> float | None:
    """Seconds of a WAV file from its `fmt ` byte rate and the size of its `data` chunk (a recorder that never went
    back to write the size leaves 0 or 0xFFFFFFFF there: the bytes actually present count then)."""
    byte_rate = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack_from("<I", data, offset + 4)[0]
        body = offset + 8
        if chunk_id == b"fmt " and size >= 16 and body + 16 <= len(data):
            byte_rate = struct.unpack_from("<I", data, body + 8)[0]
        elif chunk_id == b"data":
            present = len(data) - body
            if size in (0, 0xFFFFFFFF) or size > present:
                size = present
            return round(size / byte_rate, 2) if byte_rate else None
        offset = body + size + (size & 1)  # chunks are padded to an even length
    return None


def ogg_duration(data: bytes) -> float | None:
    """Seconds of an Ogg Opus or Vorbis file: the granule position of its last page over the sample rate (Opus
    always counts at 48 kHz, less the pre-skip its header declares)."""
    head = data[:200]
    if (at := head.find(b"OpusHead")) >= 0 and at + 12 <= len(head):
        rate, skip = 48_000, struct.unpack_from("<H", head, at + 10)[0]
    elif (at := head.find(b"\x01vorbis")) >= 0 and at + 16 <= len(head):
        rate, skip = struct.unpack_from("<I", head, at + 12)[0], 0
    else:
        return None
    last = data.rfind(b"OggS", max(0, len(data) - OGG_TAIL_BYTES))
    if last < 0 or last + 14 > len(data) or not rate:
        return None
    granule = struct.unpack_from("<q", data, last + 6)[0]
    if granule <= skip:  # -1 marks a page where no packet ends; a stream of headers only has no audio
        return None
    return round((granule - skip) / rate, 2)
