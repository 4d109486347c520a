"""LLM adapters: the local engine (transformers + peft) and OpenAI-compatible clients.

Import the submodules directly: the engine pulls in torch, the client does not.
"""
