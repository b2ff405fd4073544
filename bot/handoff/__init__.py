"""Human handoff: the staff console (a Sanic app) and the Rasa side's client.

`python -m bot.handoff serve` runs the console; `python -m bot.handoff --help`
lists the account commands.
"""
