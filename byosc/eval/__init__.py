"""Measuring the platform: retrieval quality on BEIR-layout evaluation sets."""
