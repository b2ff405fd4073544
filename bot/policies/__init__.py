"""Dialogue policies of our own (Rasa graph components) and their pure decisions."""
