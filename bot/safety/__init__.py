"""Safety: crisis detection (and, later, redaction) shared by every channel."""
