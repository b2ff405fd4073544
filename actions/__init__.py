"""Rasa SDK action server (`rasa run actions`).

Imports rasa_sdk and bot's pure modules only, never Rasa core. Actions send
response names (rendered and translated by bot.nlg), never literal text.
"""
