"""Training: what Rasa's fingerprint of our components must cover.

`fingerprint.code_fingerprint` is pure (no Rasa): a digest of the `bot` modules
a component imports, which its `fingerprint_addon` adds to Rasa's fingerprint.
"""
