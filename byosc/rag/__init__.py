"""Retrieval-augmented chat: retrieve course chunks, prompt with numbered sources, cite."""
