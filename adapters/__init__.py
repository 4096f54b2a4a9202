"""Adapters: one module per engine, telling the kit what the engine is and how to observe it."""
