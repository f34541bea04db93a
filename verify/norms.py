"""Euclidean norms and unit vectors over the last axis that do not underflow.

A nearly dead node's weights or gradient can be so small that their squares fall below the
smallest double: torch's and numpy's norms then read 0, and a unit vector reads inf. Dividing
by the largest |entry| first keeps the norm exact to rounding at any scale.
"""

from __future__ import annotations

import torch


def _scaled(v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """v divided by its largest |entry| over the last axis (by 1 where v is 0), and that entry."""
    top = v.abs().amax(dim=-1, keepdim=True)
    return v / torch.where(top > 0, top, torch.ones_like(top)), top


def norm(v: torch.Tensor) -> torch.Tensor:
    """||v|| over the last axis; 0 only where v is 0."""
    scaled, top = _scaled(v)
    return (scaled.norm(dim=-1, keepdim=True) * top).squeeze(-1)


def unit(v: torch.Tensor) -> torch.Tensor:
    """v / ||v|| over the last axis; NaN where v is 0."""
    scaled, _ = _scaled(v)
    return scaled / scaled.norm(dim=-1, keepdim=True)
