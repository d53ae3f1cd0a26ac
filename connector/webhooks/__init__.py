"""Webhook intake: verify -> record the event id -> queue the subscription key -> 2xx."""
