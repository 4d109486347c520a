"""Course adapters: LoRA training on a dataset version, evaluation against the base model,
a registry with one active adapter per course, and the artifacts the model server loads."""
