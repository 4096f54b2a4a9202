"""Adapters: one module per engine, each telling the kit what the engine is and how to observe its values."""
