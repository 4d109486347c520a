"""Promoted course adapters published to a model hub (a Hugging Face Hub): the model card,
the upload, and each adapter's publication state in the metadata DB."""
