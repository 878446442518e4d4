"""`dango source add`: a new source in .dango/sources.yml, from questions at a terminal or from flags.

Both ways fill the same typed answers (`answers.py`), and one function turns answers into the entry
and the secrets, so a wizard run and its flag form write the same YAML. Nothing is written until
every answer is in: Ctrl-C at a question leaves every file as it was.
"""
