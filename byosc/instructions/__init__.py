"""Instruction sets: question/answer pairs generated from a course's chunks, checked by one
quality gate, and stored as immutable dataset versions for fine-tuning."""
