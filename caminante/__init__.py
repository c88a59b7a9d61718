"""Caminante: the operational platform for Humanitarian Service Points on the routes out of Venezuela."""
