"""The `byosc` command line."""
