"""The use-cases: what a person can do, written once and called by every shell.

The terminal, the web app and the reports call these functions; they read and write
through ``store``, judge with the pure rules in ``core``, and stamp records with the
real clock (``clock``). A new thing a person can do goes here first, and the shells
only ask, call and render. No rule lives in a shell, and no shell reaches past this
layer into another shell.
"""
