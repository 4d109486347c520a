"""API keys, roles and course scopes: who may call which gateway route on which course."""
