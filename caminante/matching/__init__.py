"""Pure record-matching engine (no Django import)."""
