"""The worker side: a thread that owns the Trainer, steered by commands, observed through
snapshots. No Textual here (a test checks it)."""
