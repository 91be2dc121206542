"""Visit photo checks (V3) on real images built in memory, with EXIF written by Pillow or broken on purpose."""

import io
import math
import struct
import zlib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational

from shangji.visits.photos import ImageInfo, PhotoFlag, distance_m, flag_text, photo_flags, read_image

SHANGHAI = ZoneInfo("Asia/Shanghai")
CUSTOMER_LAT, CUSTOMER_LON = 31.2304, 121.4737  # a shop near People's Square, Shanghai
VISIT_AT = datetime(2025, 3, 10, 14, 30, tzinfo=SHANGHAI)
LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}
THRESHOLDS = {"max_distance_m": 500, "max_age_minutes": 120}
METRES_PER_DEGREE = 2 * math.pi * 6_371_000 / 360


def dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Decimal degrees → the (deg, min, sec) rationals a phone writes, seconds to 1/10000."""
    whole = int(degrees)
    minutes = int((degrees - whole) * 60)
    seconds = (degrees - whole - minutes / 60) * 3600
    return IFDRational(whole, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 10000), 10000)


def make_exif(*, taken=None, offset=None, position=None, refs=("N", "E")) -> Image.Exif:
    """EXIF as a phone writes it: DateTimeOriginal in the Exif IFD (0x8769), GPS rationals in the GPS IFD (0x8825)."""
    exif = Image.Exif()
    if taken is not None:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        exif_ifd[ExifTags.Base.DateTimeOriginal] = taken
        if offset is not None:
            exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if position is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef], gps[ExifTags.GPS.GPSLongitudeRef] = refs
        gps[ExifTags.GPS.GPSLatitude] = dms(abs(position[0]))
        gps[ExifTags.GPS.GPSLongitude] = dms(abs(position[1]))
    return exif


def photo(exif: Image.Exif | bytes | None = None, *, image_format="JPEG", size=(64, 48)) -> bytes:
    """A real image file; EXIF goes in as bytes because Pillow's PNG writer skips an Exif whose main IFD is empty."""
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (180, 90, 40))
    if exif is None:
        image.save(buffer, image_format)
    else:
        image.save(buffer, image_format, exif=exif.tobytes() if isinstance(exif, Image.Exif) else exif)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes that declares width × height pixels: the decompression bomb shape."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def jpeg_with_app1(payload: bytes) -> bytes:
    """A valid JPEG whose APP1 (EXIF) segment carries `payload` verbatim."""
    return photo(b"Exif\x00\x00" + payload)


def flags_for(info: ImageInfo, **overrides) -> list[str]:
    arguments = {"visit_at": VISIT_AT, "customer_lat": CUSTOMER_LAT, "customer_lon": CUSTOMER_LON, **THRESHOLDS}
    return photo_flags(info, **(arguments | overrides))


def text_for(code: str, info: ImageInfo) -> str:
    return flag_text(code, info, visit_at=VISIT_AT, customer_lat=CUSTOMER_LAT, customer_lon=CUSTOMER_LON)


def test_photo_taken_at_the_customer_during_the_visit_has_no_flags():
    data = photo(make_exif(taken="2025:03:10 14:10:00", position=(CUSTOMER_LAT + 0.0005, CUSTOMER_LON)))
    info = read_image(data, **LIMITS)
    assert (info.format, info.content_type, info.width, info.height) == ("JPEG", "image/jpeg", 64, 48)
    assert info.taken_at == datetime(2025, 3, 10, 14, 10, tzinfo=SHANGHAI)
    assert info.latitude == pytest.approx(CUSTOMER_LAT + 0.0005, abs=1e-7)
    assert info.longitude == pytest.approx(CUSTOMER_LON, abs=1e-7)
    assert flags_for(info) == []


def test_photo_two_kilometres_away_is_far_and_says_how_far():
    north = CUSTOMER_LAT + 2000 / METRES_PER_DEGREE
    info = read_image(photo(make_exif(taken="2025:03:10 14:10:00", position=(north, CUSTOMER_LON))), **LIMITS)
    assert distance_m(info.latitude, info.longitude, CUSTOMER_LAT, CUSTOMER_LON) == pytest.approx(2000, abs=0.5)
    assert flags_for(info) == [PhotoFlag.FAR]
    assert text_for(PhotoFlag.FAR, info) == "拍摄地点距客户 2 公里"


def test_far_text_uses_metres_under_a_kilometre_and_the_measured_figure():
    north = CUSTOMER_LAT + 1234 / METRES_PER_DEGREE
    info = read_image(photo(make_exif(taken="2025:03:10 14:10:00", position=(north, CUSTOMER_LON))), **LIMITS)
    assert text_for(PhotoFlag.FAR, info) == "拍摄地点距客户 1.2 公里"
    near = ImageInfo("JPEG", 1, 1, "image/jpeg", None, CUSTOMER_LAT + 640 / METRES_PER_DEGREE, CUSTOMER_LON)
    assert text_for(PhotoFlag.FAR, near) == "拍摄地点距客户 640 米"


def test_photo_taken_three_hours_before_the_visit_is_early_with_the_gap():
    info = read_image(photo(make_exif(taken="2025:03:10 11:30:00", position=(CUSTOMER_LAT, CUSTOMER_LON))), **LIMITS)
    assert flags_for(info) == [PhotoFlag.EARLY]
    assert text_for(PhotoFlag.EARLY, info) == "拍摄时间早于拜访 3 小时"


def test_photo_exactly_at_the_age_limit_is_not_early_one_minute_more_is():
    at_limit = ImageInfo("JPEG", 1, 1, "image/jpeg", VISIT_AT - timedelta(minutes=120), CUSTOMER_LAT, CUSTOMER_LON)
    past_limit = ImageInfo("JPEG", 1, 1, "image/jpeg", VISIT_AT - timedelta(minutes=121), CUSTOMER_LAT, CUSTOMER_LON)
    assert flags_for(at_limit) == []
    assert flags_for(past_limit) == [PhotoFlag.EARLY]
    assert text_for(PhotoFlag.EARLY, past_limit) == "拍摄时间早于拜访 2 小时 1 分钟"


def test_photo_taken_after_the_visit_record_is_late():
    info = read_image(photo(make_exif(taken="2025:03:10 14:55:00", position=(CUSTOMER_LAT, CUSTOMER_LON))), **LIMITS)
    assert flags_for(info) == [PhotoFlag.LATE]
    assert text_for(PhotoFlag.LATE, info) == "拍摄时间晚于拜访记录 25 分钟"


def test_photo_with_exif_stripped_is_only_no_exif():
    info = read_image(photo(), **LIMITS)
    assert (info.taken_at, info.latitude, info.longitude) == (None, None, None)
    assert flags_for(info) == [PhotoFlag.NO_EXIF]
    assert text_for(PhotoFlag.NO_EXIF, info) == "照片无拍摄信息"


def test_photo_with_gps_only_is_no_time():
    info = read_image(photo(make_exif(position=(CUSTOMER_LAT, CUSTOMER_LON))), **LIMITS)
    assert info.taken_at is None
    assert flags_for(info) == [PhotoFlag.NO_TIME]


def test_photo_with_time_only_is_no_gps():
    info = read_image(photo(make_exif(taken="2025:03:10 14:00:00")), **LIMITS)
    assert info.latitude is None and info.longitude is None
    assert flags_for(info) == [PhotoFlag.NO_GPS]


def test_photo_far_and_early_gets_both_flags():
    info = read_image(photo(make_exif(taken="2025:03:09 09:00:00", position=(39.9087, 116.3975))), **LIMITS)
    assert flags_for(info) == [PhotoFlag.FAR, PhotoFlag.EARLY]
    assert text_for(PhotoFlag.FAR, info) == "拍摄地点距客户 1068.1 公里"
    assert text_for(PhotoFlag.EARLY, info) == "拍摄时间早于拜访 29 小时 30 分钟"
    last_week = ImageInfo("JPEG", 1, 1, "image/jpeg", VISIT_AT - timedelta(days=6, hours=3), None, None)
    assert text_for(PhotoFlag.EARLY, last_week) == "拍摄时间早于拜访 6 天"


def test_customer_without_a_location_is_not_flagged_far():
    info = read_image(photo(make_exif(taken="2025:03:10 14:00:00", position=(39.9087, 116.3975))), **LIMITS)
    assert flags_for(info, customer_lat=None, customer_lon=None) == []


def test_southern_and_western_refs_give_negative_coordinates():
    exif = make_exif(taken="2025:03:10 14:00:00", position=(-33.8688, -70.6693), refs=("S", "W"))
    info = read_image(photo(exif), **LIMITS)
    assert info.latitude == pytest.approx(-33.8688, abs=1e-7)
    assert info.longitude == pytest.approx(-70.6693, abs=1e-7)


def test_time_without_offset_is_company_time_and_with_offset_is_exact():
    local = read_image(photo(make_exif(taken="2025:03:10 14:00:00")), **LIMITS)
    paris = read_image(photo(make_exif(taken="2025:03:10 14:00:00", offset="+01:00")), **LIMITS)
    assert local.taken_at == datetime(2025, 3, 10, 6, 0, tzinfo=UTC)
    assert paris.taken_at == datetime(2025, 3, 10, 13, 0, tzinfo=UTC)


def test_file_write_time_is_used_when_the_capture_time_is_missing_or_blank():
    exif = make_exif(taken="0000:00:00 00:00:00")
    exif[ExifTags.Base.DateTime] = "2025:03:10 14:20:00"
    info = read_image(photo(exif), **LIMITS)
    assert info.taken_at == datetime(2025, 3, 10, 14, 20, tzinfo=SHANGHAI)


def test_png_and_webp_carry_their_exif_too():
    exif = make_exif(taken="2025:03:10 14:00:00", position=(CUSTOMER_LAT, CUSTOMER_LON))
    for image_format, content_type in (("PNG", "image/png"), ("WEBP", "image/webp")):
        info = read_image(photo(exif, image_format=image_format), **LIMITS)
        assert (info.format, info.content_type) == (image_format, content_type)
        assert info.taken_at == datetime(2025, 3, 10, 14, 0, tzinfo=SHANGHAI)
        assert info.latitude == pytest.approx(CUSTOMER_LAT, abs=1e-7)


def test_multi_picture_jpeg_from_a_phone_is_reported_as_jpeg():
    buffer = io.BytesIO()
    main, depth_map = Image.new("RGB", (64, 48), "red"), Image.new("L", (32, 24))
    exif = make_exif(taken="2025:03:10 14:00:00").tobytes()
    main.save(buffer, "MPO", save_all=True, append_images=[depth_map.convert("RGB")], exif=exif)
    info = read_image(buffer.getvalue(), **LIMITS)
    assert (info.format, info.content_type, info.width) == ("JPEG", "image/jpeg", 64)
    assert info.taken_at == datetime(2025, 3, 10, 14, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "payload",
    [
        b"\xde\xad\xbe\xef" * 40,  # not a TIFF header at all
        b"MM\x00*\x00\x00\x00\x08\x00\x05\x01\x32\x00\x02",  # IFD promises five entries, ends mid-entry
        b"II*\x00\xff\xff\xff\x7f",  # first IFD offset far past the end
        b"",  # "Exif" marker and nothing after it
    ],
    ids=["garbage", "truncated-ifd", "offset-past-end", "empty"],
)
@pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # Pillow says so, then carries on
def test_garbage_or_truncated_exif_yields_no_facts_and_no_exception(payload):
    info = read_image(jpeg_with_app1(payload), **LIMITS)
    assert (info.taken_at, info.latitude, info.longitude) == (None, None, None)
    assert info.format == "JPEG"


@pytest.mark.filterwarnings("ignore:Truncated File Read:UserWarning")
def test_exif_cut_short_inside_the_gps_block_yields_no_position():
    whole = make_exif(taken="2025:03:10 14:00:00", position=(CUSTOMER_LAT, CUSTOMER_LON)).tobytes()
    info = read_image(photo(whole[: len(whole) - 30]), **LIMITS)
    assert (info.latitude, info.longitude) == (None, None)


def gps_exif(**tags) -> Image.Exif:
    exif = make_exif(taken="2025:03:10 14:00:00", position=(CUSTOMER_LAT, CUSTOMER_LON))
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({getattr(ExifTags.GPS, name): value for name, value in tags.items()})
    return exif


@pytest.mark.parametrize(
    "tags",
    [
        {"GPSLatitude": (IFDRational(31, 0), IFDRational(14, 1), IFDRational(0, 1))},  # zero denominator
        {"GPSLatitude": (IFDRational(0, 0), IFDRational(0, 0), IFDRational(0, 0))},
        {"GPSLatitude": (IFDRational(4_294_967_295, 1), IFDRational(0, 1), IFDRational(0, 1))},  # huge
        {"GPSLatitude": (IFDRational(31, 1), IFDRational(75, 1), IFDRational(0, 1))},  # 75 minutes
        {"GPSLatitude": (31, 14, 0, 5)},  # four parts
        {"GPSLatitudeRef": "Q"},
        {"GPSLatitudeRef": 7},
        {"GPSStatus": "V"},  # receiver reported a void fix
    ],
    ids=["zero-denominator", "all-zero-over-zero", "huge", "minutes-over-60", "four-parts", "bad-ref",
         "numeric-ref", "void-fix"],
)
def test_hostile_gps_values_yield_no_position_but_keep_the_time(tags):
    info = read_image(photo(gps_exif(**tags)), **LIMITS)
    assert (info.latitude, info.longitude) == (None, None)
    assert info.taken_at == datetime(2025, 3, 10, 14, 0, tzinfo=SHANGHAI)


def test_latitude_stored_as_text_instead_of_rationals_yields_no_position():
    whole = make_exif(taken="2025:03:10 14:00:00", position=(CUSTOMER_LAT, CUSTOMER_LON)).tobytes()
    rational_entry = struct.pack(">HHI", ExifTags.GPS.GPSLatitude, 5, 3)  # tag, type RATIONAL, count 3
    assert whole.count(rational_entry) == 1
    ascii_entry = struct.pack(">HHI", ExifTags.GPS.GPSLatitude, 2, 24)  # the same 24 bytes read as ASCII
    info = read_image(photo(whole.replace(rational_entry, ascii_entry)), **LIMITS)
    assert (info.latitude, info.longitude) == (None, None)
    assert info.taken_at == datetime(2025, 3, 10, 14, 0, tzinfo=SHANGHAI)


def test_missing_latitude_ref_is_unknown_rather_than_guessed():
    exif = make_exif(position=(CUSTOMER_LAT, CUSTOMER_LON))
    del exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef]
    assert read_image(photo(exif), **LIMITS).latitude is None


def test_zero_zero_position_written_without_a_fix_is_no_position():
    info = read_image(photo(make_exif(position=(0.0, 0.0))), **LIMITS)
    assert (info.latitude, info.longitude) == (None, None)


@pytest.mark.parametrize(
    "taken, offset",
    [
        ("2025:13:45 25:61:00", None),  # impossible date
        ("yesterday afternoon", None),
        ("9999:12:31 23:59:59", "-12:00"),  # past the end of the calendar once made UTC
        (12345, None),  # a number where text belongs
    ],
    ids=["impossible", "prose", "overflow", "number"],
)
def test_hostile_capture_times_yield_no_time(taken, offset):
    info = read_image(photo(make_exif(taken=taken, offset=offset, position=(CUSTOMER_LAT, CUSTOMER_LON))), **LIMITS)
    assert info.taken_at is None
    assert info.latitude == pytest.approx(CUSTOMER_LAT, abs=1e-7)


def test_out_of_range_offset_falls_back_to_company_time():
    info = read_image(photo(make_exif(taken="2025:03:10 14:00:00", offset="+25:00")), **LIMITS)
    assert info.taken_at == datetime(2025, 3, 10, 14, 0, tzinfo=SHANGHAI)


def messages(error: pytest.ExceptionInfo) -> list[str]:
    return error.value.messages


def test_text_file_renamed_to_jpg_is_refused_in_chinese():
    with pytest.raises(ValidationError) as error:
        read_image("拜访记录：客户说下周再谈。\n".encode(), **LIMITS)
    assert messages(error) == ["只能上传 JPG、PNG 或 WebP 照片。"]
    assert error.value.code == "unsupported"


def test_other_image_formats_are_refused():
    with pytest.raises(ValidationError) as error:
        read_image(photo(image_format="GIF"), **LIMITS)
    assert error.value.code == "unsupported"


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        read_image(b"", **LIMITS)
    assert messages(error) == ["照片是空文件，请重新拍摄或选择。"]


def test_file_over_the_size_limit_is_refused_with_the_limit():
    data = photo(size=(400, 300))
    with pytest.raises(ValidationError) as error:
        read_image(data, max_bytes=len(data) - 1, max_pixels=LIMITS["max_pixels"])
    with pytest.raises(ValidationError) as ten_mb:
        read_image(b"x" * (10 * 1024 * 1024 + 1), max_bytes=10 * 1024 * 1024, max_pixels=LIMITS["max_pixels"])
    assert error.value.code == "too_large"
    assert messages(ten_mb) == ["照片不能超过 10 MB，请压缩后再上传。"]


def test_png_declaring_ten_billion_pixels_is_refused_before_decoding():
    with pytest.raises(ValidationError) as error:
        read_image(png_declaring(100_000, 100_000), **LIMITS)
    assert messages(error) == ["照片像素过多（上限 40 百万像素），请缩小后再上传。"]


def test_png_over_our_own_pixel_limit_is_refused():
    with pytest.raises(ValidationError) as error:
        read_image(png_declaring(5000, 4000), max_bytes=LIMITS["max_bytes"], max_pixels=12_000_000)
    assert error.value.code == "too_many_pixels"
    assert messages(error) == ["照片像素过多（上限 12 百万像素），请缩小后再上传。"]


def test_truncated_pixel_data_is_refused_as_damaged():
    data = photo(make_exif(taken="2025:03:10 14:00:00"), size=(640, 480))
    with pytest.raises(ValidationError) as error:
        read_image(data[: len(data) // 2], **LIMITS)
    assert messages(error) == ["照片文件已损坏，请重新拍摄或选择。"]


def test_distance_is_haversine_on_a_6371_km_earth():
    assert distance_m(0, 0, 90, 0) == pytest.approx(math.pi / 2 * 6_371_000)
    assert distance_m(0, 0, 0, 180) == pytest.approx(math.pi * 6_371_000)
    assert distance_m(CUSTOMER_LAT, CUSTOMER_LON, CUSTOMER_LAT, CUSTOMER_LON) == 0
    # Shanghai to Beijing, checked against the spherical law of cosines (fine at this range).
    phi1, phi2, dlambda = math.radians(31.2304), math.radians(39.9087), math.radians(116.3975 - 121.4737)
    cosines = 6_371_000 * math.acos(
        math.sin(phi1) * math.sin(phi2) + math.cos(phi1) * math.cos(phi2) * math.cos(dlambda))
    assert distance_m(31.2304, 121.4737, 39.9087, 116.3975) == pytest.approx(cosines, abs=0.01)
    assert distance_m(31.2304, 121.4737, 39.9087, 116.3975) == pytest.approx(1_068_139, abs=1)
