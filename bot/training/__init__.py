"""Training: reuse the model when nothing changed (`make train`).

`fingerprint` and `models` are pure (no Rasa); `graph` runs Rasa's own
fingerprint and training; `python -m bot.training` is the command line.
"""
