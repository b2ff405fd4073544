"""Content loaded from data/: the helpline directory and translations."""
