"""The review round trip: spreadsheet files for reviewers who are not developers.

`python -m bot.review export` writes, per language, CSV files (UTF-8 with BOM)
of the answers, the crisis phrases and a sample of training examples;
`python -m bot.review import FILE` checks a returned file row by row, applies
the rows that pass to data/, and records who reviewed what and when in each
data file's `review:` block. Pure: must not import Rasa.
"""
