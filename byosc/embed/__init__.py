"""Text embedders (the Embedder port). Adapters import their libraries themselves."""
