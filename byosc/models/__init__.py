"""The bundled models (SmolLM2, MiniLM, Whisper tiny.en), prepared once into BYOSC_HOME/models."""

from byosc.models.bundle import BundledModels, bundled_models, fetch_models, verify_models

__all__ = ["BundledModels", "bundled_models", "fetch_models", "verify_models"]
