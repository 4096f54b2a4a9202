"""The ops of the reference engine, one module per family; define.py says how an op is declared."""
