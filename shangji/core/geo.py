"""Distances on the Earth's surface, for every place the product compares two positions (lead routing by the
rep's last check-in, visit check-ins and photo locations)."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_000


def distance_m(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance in metres (haversine); a few metres off over a city is far below GPS error.
    Takes floats or Decimals."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    half_dphi = (phi2 - phi1) / 2
    half_dlambda = math.radians(float(lon2) - float(lon1)) / 2
    a = math.sin(half_dphi) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(half_dlambda) ** 2
    # Rounding can push `a` a hair above 1 for antipodal points, where asin would fail.
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))
