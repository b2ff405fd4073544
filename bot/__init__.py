"""Child online-safety assistant: our Rasa extensions and shared pure helpers.

Importing this package has no side effects and imports no Rasa: components,
channels and the NLG are referenced by full module path from Rasa's files.
"""
