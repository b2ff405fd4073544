"""HTTP protection of the Rasa server and the action server (checks, middleware)."""
