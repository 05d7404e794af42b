"""Suspension alerts: the pure domain (records, rules, storms) and the engine that polls, records and delivers.

Import the module you need: this package imports nothing, so `import bot.alerts.rules` stays free of I/O.
"""
