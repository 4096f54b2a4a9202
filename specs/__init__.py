"""The bundled spec corpus, shipped as package data."""
