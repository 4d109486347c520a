"""Metadata DB adapters (the Catalog port)."""
