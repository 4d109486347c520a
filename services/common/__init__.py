"""Plumbing every service shares: error mapping, health, readiness and metrics routes."""
