"""Readers and runners for standard routing benchmark instances (not part of the product API)."""
