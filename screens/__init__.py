"""The Textual screens. Each calls the core (bank, store, planner); none holds SQL or planning rules."""
