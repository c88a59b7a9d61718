"""The FAQ engine: pure Python, no Django import (see DESIGN.md)."""
