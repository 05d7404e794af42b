"""`python -m bot.config` prints the README's configuration table."""

from bot.config.table import settings_table_markdown

print(settings_table_markdown())
