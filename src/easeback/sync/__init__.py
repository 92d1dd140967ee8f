"""The device's side of sync: the link to a clinic's server and the conversation
with it. The use-cases in usecases/syncing.py are what the shells call."""
