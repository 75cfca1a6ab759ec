"""Use cases shared by the bot's handlers and the command line: no Telegram here.

knowledge: the knowledge being answered from (region files + organisations' revisions), rebuilt
after an edit and reloaded from new files, swapped in as one immutable snapshot.
"""
