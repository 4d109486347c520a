"""OpenAI-compatible model server over the local engine: the embedded stand-in for vLLM."""
