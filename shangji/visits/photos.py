"""Photo authenticity for field visits (V3): is an upload a real photo, and when and where was it taken?

Pure functions over bytes and numbers, no models: the visit service stores the facts and flags, pages show them.
EXIF is written by whatever phone or app the rep used — or by someone forging it — so every fact is read
defensively: a malformed value means "unknown" (None), never an error that would block the upload.
"""

from __future__ import annotations

import io
import math
import numbers
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from PIL import ExifTags, Image

from shangji.core.geo import distance_m

# Pillow format name → (format we report, content type). Many phones write JPEGs with extra preview or depth
# frames, which Pillow opens as "MPO" through its JPEG opener; to a browser they are ordinary JPEGs.
FORMATS = {
    "JPEG": ("JPEG", "image/jpeg"),
    "MPO": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "WEBP": ("WEBP", "image/webp"),
}
OPENED_AS = ["JPEG", "PNG", "WEBP"]  # only these parsers ever see an upload; Pillow's other 40 formats stay out

EXIF_DATETIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


class PhotoFlag(models.TextChoices):
    NO_EXIF = "no_exif", gettext_lazy("照片无拍摄信息")
    FAR = "far", gettext_lazy("拍摄地点离客户太远")
    EARLY = "early", gettext_lazy("拍摄时间早于拜访")
    LATE = "late", gettext_lazy("拍摄时间晚于拜访记录")
    NO_GPS = "no_gps", gettext_lazy("照片无拍摄地点")
    NO_TIME = "no_time", gettext_lazy("照片无拍摄时间")


@dataclass(frozen=True)
class ImageInfo:
    """What an accepted upload is, and the EXIF facts it carries (None where absent or unreadable)."""

    format: str
    width: int
    height: int
    content_type: str
    taken_at: datetime | None
    latitude: float | None
    longitude: float | None


def read_image(data: bytes, *, max_bytes: int, max_pixels: int) -> ImageInfo:
    """Validate an uploaded photo and read its capture time and place.

    Raises a Chinese ValidationError for anything that must not be stored: empty, too big, not a JPEG/PNG/WebP,
    too many pixels (a small file can declare a huge image that eats the server's memory when decoded), or pixel
    data that does not decode. Broken EXIF never raises: the photo is kept and the fact is unknown.
    """
    if not data:
        raise ValidationError(_("照片是空文件，请重新拍摄或选择。"), code="empty")
    if len(data) > max_bytes:
        raise ValidationError(
            _("照片不能超过 %(max)s MB，请压缩后再上传。"), code="too_large", params={"max": _megabytes(max_bytes)}
        )
    image, width, height = _decoded_image(data, max_pixels)
    exif = _exif(image)
    latitude, longitude = _position(exif)
    format_name, content_type = FORMATS[image.format]
    return ImageInfo(
        format=format_name,
        width=width,
        height=height,
        content_type=content_type,
        taken_at=_taken_at(exif),
        latitude=latitude,
        longitude=longitude,
    )


def photo_flags(
    info: ImageInfo,
    *,
    visit_at: datetime,
    customer_lat: float | None,
    customer_lon: float | None,
    max_distance_m: float,
    max_age_minutes: int,
) -> list[str]:
    """The authenticity flags of one visit photo; an empty list means place and time both match the visit.

    A photo with neither time nor place gets only `no_exif` (stripped by an app or a screenshot), not also
    `no_gps` and `no_time`. Place: `no_gps`, or `far` when farther than `max_distance_m` from the customer (not
    checked when the customer has no location). Time: `no_time`, `early` when taken more than
    `max_age_minutes` before `visit_at`, or `late` when taken after the visit was recorded.
    """
    has_position = info.latitude is not None and info.longitude is not None
    if info.taken_at is None and not has_position:
        return [PhotoFlag.NO_EXIF]
    flags = []
    if not has_position:
        flags.append(PhotoFlag.NO_GPS)
    elif customer_lat is not None and customer_lon is not None:
        if distance_m(info.latitude, info.longitude, customer_lat, customer_lon) > max_distance_m:
            flags.append(PhotoFlag.FAR)
    if info.taken_at is None:
        flags.append(PhotoFlag.NO_TIME)
    elif info.taken_at < visit_at - timedelta(minutes=max_age_minutes):
        flags.append(PhotoFlag.EARLY)
    elif info.taken_at > visit_at:
        flags.append(PhotoFlag.LATE)
    return flags


def flag_text(
    code: str, info: ImageInfo, *, visit_at: datetime, customer_lat: float | None, customer_lon: float | None
) -> str:
    """The sentence a page shows for a flag, with the measured distance or time gap ("拍摄地点距客户 1.2 公里").

    `code` must be one that photo_flags returned for the same photo, visit and customer: `far` needs both
    positions and `early`/`late` the capture time, which photo_flags only reports when they are known.
    """
    if code == PhotoFlag.FAR:
        distance = distance_m(info.latitude, info.longitude, customer_lat, customer_lon)
        return _("拍摄地点距客户 %(distance)s") % {"distance": _distance_text(distance)}
    if code == PhotoFlag.EARLY:
        return _("拍摄时间早于拜访 %(gap)s") % {"gap": _duration_text(visit_at - info.taken_at)}
    if code == PhotoFlag.LATE:
        return _("拍摄时间晚于拜访记录 %(gap)s") % {"gap": _duration_text(info.taken_at - visit_at)}
    return str(PhotoFlag(code).label)


def _megabytes(size: int) -> str:
    """10485760 → "10", 524288 → "0.5": the limit as people say it."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def _too_many_pixels(max_pixels: int) -> ValidationError:
    return ValidationError(
        _("照片像素过多（上限 %(megapixels)s 百万像素），请缩小后再上传。"),
        code="too_many_pixels",
        params={"megapixels": f"{max_pixels / 1_000_000:.1f}".removesuffix(".0")},
    )


def _decoded_image(data: bytes, max_pixels: int) -> tuple[Image.Image, int, int]:
    """Open and fully decode the upload; returns the image and its real size (decoding may shrink a JPEG).

    The pixel limit is checked on the declared size, before any pixel is decoded. JPEGs are decoded at 1/8 scale:
    that still reads every byte of the compressed data, so a truncated file is caught, at 1/64 of the memory.
    """
    try:
        image = Image.open(io.BytesIO(data), formats=OPENED_AS)
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except Exception:  # UnidentifiedImageError, and whatever a hostile header makes a parser raise
        raise ValidationError(_("只能上传 JPG、PNG 或 WebP 照片。"), code="unsupported") from None
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    try:
        image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
        image.load()
    except Exception:  # Pillow's decoders raise OSError, SyntaxError, ValueError… on damaged data
        raise ValidationError(_("照片文件已损坏，请重新拍摄或选择。"), code="corrupt") from None
    return image, width, height


def _exif(image: Image.Image) -> Image.Exif | None:
    try:
        return image.getexif()
    except Exception:  # a garbage APP1/eXIf block: the photo is fine, its EXIF is unknown
        return None


def _ifd(exif: Image.Exif | None, tag: int) -> dict:
    """A sub-directory (Exif, GPS) of the EXIF block; {} when missing or unreadable."""
    if exif is None:
        return {}
    try:
        ifd = exif.get_ifd(tag)
    except Exception:  # offsets past the end, loops, wrong types: Pillow raises many kinds
        return {}
    return ifd if isinstance(ifd, dict) else {}


def _ifd0_value(exif: Image.Exif, tag: int) -> object:
    """One tag of the main directory, which Pillow decodes tag by tag on first access."""
    try:
        return exif.get(tag)
    except Exception:  # a value whose offset or count points outside the block
        return None


def _text(value: object) -> str | None:
    """An EXIF ASCII value as a str, without the NUL padding some cameras leave; None for any other type."""
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="replace")
    return value.strip("\x00 ") if isinstance(value, str) else None


def _taken_at(exif: Image.Exif | None) -> datetime | None:
    """When the photo was taken, as an aware UTC datetime.

    DateTimeOriginal is when the shutter fired; DateTime is when the file was last written (an edit moves it), so
    it is only the fallback. Each has its own offset tag; without one the camera clock is taken to be in the
    company time zone (settings.TIME_ZONE), which is where the reps work.
    """
    if exif is None:
        return None
    exif_ifd = _ifd(exif, ExifTags.IFD.Exif)
    candidates = (
        (exif_ifd.get(ExifTags.Base.DateTimeOriginal), exif_ifd.get(ExifTags.Base.OffsetTimeOriginal)),
        (_ifd0_value(exif, ExifTags.Base.DateTime), exif_ifd.get(ExifTags.Base.OffsetTime)),
    )
    for value, offset in candidates:
        local = _exif_datetime(value)
        if local is None:
            continue
        try:
            return local.replace(tzinfo=_exif_offset(offset) or timezone.get_default_timezone()).astimezone(UTC)
        except (OverflowError, ValueError):  # year 1 or 9999 pushed past the calendar by the offset
            continue
    return None


def _exif_datetime(value: object) -> datetime | None:
    """ "2024:05:01 10:30:00" → a naive datetime; None for blanks ("0000:00:00 …") and impossible dates."""
    match = EXIF_DATETIME.fullmatch(_text(value) or "")
    if match is None:
        return None
    try:
        return datetime(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _exif_offset(value: object) -> tzinfo | None:
    """ "+08:00" → a fixed offset; None when missing or outside the real range of UTC offsets (−12 h … +14 h)."""
    match = EXIF_OFFSET.fullmatch(_text(value) or "")
    if match is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return fixed_offset(-offset if sign == "-" else offset)


def _position(exif: Image.Exif | None) -> tuple[float | None, float | None]:
    """Latitude and longitude in signed decimal degrees, both or neither."""
    gps = _ifd(exif, ExifTags.IFD.GPSInfo)
    if _text(gps.get(ExifTags.GPS.GPSStatus)) == "V":  # the receiver itself says the fix is void
        return None, None
    latitude = _coordinate(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S", 90)
    longitude = _coordinate(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W", 180)
    # Some phones write 0/0 when they had no fix; no customer sits in the Gulf of Guinea.
    if latitude is None or longitude is None or (latitude == 0 and longitude == 0):
        return None, None
    return latitude, longitude


def _coordinate(value: object, ref: object, positive: str, negative: str, limit: int) -> float | None:
    """Degrees/minutes/seconds plus a hemisphere ref → signed degrees.

    Without a valid ref the sign is unknown, and a guessed sign puts the photo on another continent, so it is None.
    """
    hemisphere = (_text(ref) or "").upper()
    if hemisphere not in (positive, negative):
        return None
    degrees = _degrees(value)
    if degrees is None or degrees > limit:
        return None
    return -degrees if hemisphere == negative else degrees


def _degrees(value: object) -> float | None:
    """(deg, min, sec) rationals → degrees; None for wrong types, zero denominators (NaN), negatives, min/sec ≥ 60."""
    parts = (value,) if isinstance(value, numbers.Real) else value
    if not isinstance(parts, tuple) or not 1 <= len(parts) <= 3:
        return None
    if not all(isinstance(part, numbers.Real) for part in parts):
        return None
    try:
        values = [float(part) for part in parts]
    except (ArithmeticError, ValueError):  # an integer too large for a float
        return None
    if not all(math.isfinite(part) and part >= 0 for part in values) or any(part >= 60 for part in values[1:]):
        return None
    return sum(part / 60**index for index, part in enumerate(values))


def _distance_text(metres: float) -> str:
    rounded = round(metres)
    if rounded < 1000:
        return _("%(metres)s 米") % {"metres": rounded}
    return _("%(km)s 公里") % {"km": f"{metres / 1000:.1f}".removesuffix(".0")}


def _duration_text(gap: timedelta) -> str:
    """A time gap as a rep would say it: "25 分钟", "3 小时 5 分钟", "4 天"."""
    minutes = max(1, round(gap.total_seconds() / 60))
    if minutes < 60:
        return _("%(minutes)s 分钟") % {"minutes": minutes}
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        if rest:
            return _("%(hours)s 小时 %(minutes)s 分钟") % {"hours": hours, "minutes": rest}
        return _("%(hours)s 小时") % {"hours": hours}
    days = minutes // (24 * 60)
    return ngettext("%(days)s 天", "%(days)s 天", days) % {"days": days}
