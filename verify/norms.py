"""Euclidean norms and unit vectors over the last axis that do not underflow or overflow.

A nearly dead node's weights or gradient can be so small that the squares of all its entries
fall below the smallest double: a plain norm then reads 0, and a unit vector inf. Such a vector
is divided by its largest |entry| first, which keeps the norm exact to rounding at any scale.
Every other vector takes the plain norm, so that trajectories stay bit for bit what they were.
"""

from __future__ import annotations

import torch

# While the largest |entry| lies in this range its square neither underflows nor overflows
# (doubles span 1e-308..1e308), so the plain norm is exact to rounding.
PLAIN = (1e-150, 1e150)


def _scaled(v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """v over its largest |entry| (over 1 where v is 0), that entry, and where the plain norm is safe."""
    top = v.abs().amax(dim=-1, keepdim=True)
    plain = (top >= PLAIN[0]) & (top <= PLAIN[1])
    return v / torch.where(top > 0, top, torch.ones_like(top)), top, plain


def norm(v: torch.Tensor) -> torch.Tensor:
    """||v|| over the last axis; 0 only where v is 0."""
    scaled, top, plain = _scaled(v)
    return torch.where(plain, v.norm(dim=-1, keepdim=True), scaled.norm(dim=-1, keepdim=True) * top).squeeze(-1)


def unit(v: torch.Tensor) -> torch.Tensor:
    """v / ||v|| over the last axis; NaN where v is 0."""
    scaled, _, plain = _scaled(v)
    return torch.where(plain, v / v.norm(dim=-1, keepdim=True), scaled / scaled.norm(dim=-1, keepdim=True))
